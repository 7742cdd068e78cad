import { openRunnerHost } from '../../../runner/host.js';
import { pull } from '../../../runner/oci/index.js';
import type { HostFlags } from '../../flags.js';
import { reportFailure } from '../../output.js';
import { pullProgressPrinter } from './progress.js';

export interface PullOptions extends HostFlags {
  concurrency: string;
}

/** `slipway pull REF`: pulls `ref` into the host's store with per-layer progress; sets the exit code. */
export async function pullCommand(ref: string, opts: PullOptions): Promise<void> {
  try {
    const host = await openRunnerHost({
      dataDir: opts.dataDir,
      insecureRegistries: opts.insecureRegistry,
      hostRegistries: 'any',
    });
    const progress = pullProgressPrinter();
    const started = Date.now();
    const image = await pull(await host.registry(), host.store, ref, {
      concurrency: Math.max(1, Number(opts.concurrency) || 4),
      onProgress: (p) => progress.update(p),
    });
    progress.finish();
    console.log(
      `pulled ${image.ref} ${image.manifest.digest} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
  } catch (err) {
    reportFailure(err);
  }
}
