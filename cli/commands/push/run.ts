import { openRunnerHost } from '../../../runner/host.js';
import { push } from '../../../runner/oci/index.js';
import type { HostFlags } from '../../flags.js';
import { formatBytes, reportFailure } from '../../output.js';

export interface PushOptions extends HostFlags {
  format?: string;
  tag?: string[];
}

/** `slipway push SRC [DST]`: pushes an image of the host's store; sets the exit code. */
export async function pushCommand(src: string, dst: string | undefined, opts: PushOptions): Promise<void> {
  try {
    if (opts.format && opts.format !== 'oci' && opts.format !== 'docker')
      throw new Error(`--format must be oci or docker, not "${opts.format}"`);
    const host = await openRunnerHost({
      dataDir: opts.dataDir,
      insecureRegistries: opts.insecureRegistry,
      hostRegistries: 'any',
    });
    const pushed = await push(await host.registry(), host.store, src, dst, {
      format: opts.format as 'oci' | 'docker' | undefined,
      tags: opts.tag ?? [],
      onProgress: (p) => console.log(`${p.digest.slice(7, 19)}: ${p.state} (${formatBytes(p.total)})`),
    });
    console.log(`pushed ${dst ?? src} ${pushed.digest}`);
  } catch (err) {
    reportFailure(err);
  }
}
