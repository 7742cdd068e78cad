import type { Command } from 'commander';

/** `slipway up`: the whole local system with embedded defaults, then a demo pipeline. */
export function register(program: Command): void {
  program
    .command('up')
    .description('start Redis and a registry locally, make the busybox base image, run the demo pipeline')
    .option('--data-dir <dir>', 'data directory (default: $SLIPWAY_DATA_DIR or /var/lib/slipway)')
    .option('--pipeline <dir>', 'the repository to run (default: the bundled demo)')
    .option('--once', 'stop everything after the demo instead of staying up')
    .action(async (opts: { dataDir?: string; pipeline?: string; once?: boolean }) => {
      const { upCommand } = await import('./run.js');
      process.exitCode = await upCommand(opts);
    });
}
