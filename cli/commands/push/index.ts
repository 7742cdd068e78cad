import type { Command } from 'commander';
import { addOciOptions, formatBytes, type OciCliOptions, openOci, reportFailure } from '../../oci-options.js';

/** `slipway push SRC [DST]`: pushes an image from the local store to a registry. */
export function register(program: Command): void {
  addOciOptions(
    program
      .command('push')
      .argument('<src>', 'image in the local store')
      .argument('[dst]', 'destination reference (default: the same as SRC)')
      .description('push an image from the local image store to a registry'),
    true,
  )
    .option('--format <format>', 'rewrite media types: oci or docker (default: as stored)')
    .option(
      '--tag <tag>',
      'also tag the pushed manifest with this tag (repeatable)',
      (v, p: string[] = []) => [...p, v],
    )
    .action(
      async (
        src: string,
        dst: string | undefined,
        opts: OciCliOptions & { format?: string; tag?: string[] },
      ) => {
        try {
          if (opts.format && opts.format !== 'oci' && opts.format !== 'docker')
            throw new Error(`--format must be oci or docker, not "${opts.format}"`);
          const { push } = await import('../../../runner/oci/push.js');
          const { store, registry } = await openOci(opts);
          const pushed = await push(registry, store, src, dst, {
            format: opts.format as 'oci' | 'docker' | undefined,
            tags: opts.tag ?? [],
            onProgress: (p) => console.log(`${p.digest.slice(7, 19)}: ${p.state} (${formatBytes(p.total)})`),
          });
          console.log(`pushed ${dst ?? src} ${pushed.digest}`);
        } catch (err) {
          reportFailure(err);
        }
      },
    );
}
