import type { Command } from 'commander';
import { addOciOptions, type OciCliOptions, openOci, reportFailure } from '../../oci-options.js';

/** `slipway pull REF`: pulls an image into the runner's image store, with per-layer progress. */
export function register(program: Command): void {
  addOciOptions(
    program
      .command('pull')
      .argument('<ref>', 'image reference, e.g. alpine:3.19 or 127.0.0.1:5000/app:v1')
      .description('pull an image (linux/amd64) from a registry into the local image store'),
    true,
  )
    .option('--concurrency <n>', 'blobs downloaded at once', '4')
    .action(async (ref: string, opts: OciCliOptions & { concurrency: string }) => {
      try {
        const { pull } = await import('../../../runner/oci/pull.js');
        const { pullProgressPrinter } = await import('./progress.js');
        const { store, registry } = await openOci(opts);
        const progress = pullProgressPrinter();
        const started = Date.now();
        const image = await pull(registry, store, ref, {
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
    });
}
