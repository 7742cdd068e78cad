import type { Command } from 'commander';
import { addHostFlags } from '../../flags.js';
import type { PullOptions } from './run.js';

/** `slipway pull REF`: pulls an image into the runner's image store, with per-layer progress. */
export function register(program: Command): void {
  addHostFlags(
    program
      .command('pull')
      .argument('<ref>', 'image reference, e.g. alpine:3.19 or 127.0.0.1:5000/app:v1')
      .description('pull an image (linux/amd64) from a registry into the local image store'),
    true,
  )
    .option('--concurrency <n>', 'blobs downloaded at once', '4')
    .action(async (ref: string, opts: PullOptions) => (await import('./run.js')).pullCommand(ref, opts));
}
