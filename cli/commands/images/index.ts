import type { Command } from 'commander';
import { addHostFlags, type HostFlags } from '../../flags.js';

/** `slipway images` (list with sizes), `images rm REF`, `images prune` (free unreferenced data). */
export function register(program: Command): void {
  const images = addHostFlags(
    program.command('images').description('list images in the local store'),
    false,
  ).action(async (opts: HostFlags) => (await import('./run.js')).listCommand(opts));
  addHostFlags(
    images.command('rm').argument('<ref>').description('remove a reference (data goes at prune)'),
    false,
  ).action(async (ref: string, opts: HostFlags) => (await import('./run.js')).removeCommand(ref, opts));
  addHostFlags(
    images.command('prune').description('delete blobs and layers no image references and no container holds'),
    false,
  )
    .option(
      '--grace-seconds <n>',
      'keep unreferenced data younger than this (protects pulls in progress)',
      '600',
    )
    .action(async (opts: HostFlags & { graceSeconds: string }) =>
      (await import('./run.js')).pruneCommand(opts),
    );
}
