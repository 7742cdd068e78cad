import type { Command } from 'commander';
import { addHostFlags, collect } from '../../flags.js';
import type { PushOptions } from './run.js';

/** `slipway push SRC [DST]`: pushes an image from the local store to a registry. */
export function register(program: Command): void {
  addHostFlags(
    program
      .command('push')
      .argument('<src>', 'image in the local store')
      .argument('[dst]', 'destination reference (default: the same as SRC)')
      .description('push an image from the local image store to a registry'),
    true,
  )
    .option('--format <format>', 'rewrite media types: oci or docker (default: as stored)')
    .option('--tag <tag>', 'also tag the pushed manifest with this tag (repeatable)', collect)
    .action(async (src: string, dst: string | undefined, opts: PushOptions) =>
      (await import('./run.js')).pushCommand(src, dst, opts),
    );
}
