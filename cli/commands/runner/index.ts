import type { Command } from 'commander';
import {
  addHostFlags,
  collect,
  parseCountOption,
  parseCpusOption,
  parseDiskOption,
  parseDurationOption,
  parseMemoryOption,
  parsePidsOption,
} from '../../flags.js';
import type { RunnerCommandOptions } from './run.js';

/** `slipway runner`: takes queued jobs from Redis and runs them in containers on this host. */
export function register(program: Command): void {
  addHostFlags(
    program
      .command('runner')
      .description('run queued jobs on this host: a BullMQ worker for every label set it covers')
      .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
      .option('--labels <list>', 'comma-separated labels this runner has (default: linux,<arch>)')
      .option('--concurrency <n>', 'jobs run at once', parseCountOption, 1)
      .option('--name <name>', 'unique name among the runners of this Redis (default: the host name)')
      .option(
        '--grace <duration>',
        'on SIGTERM, how long running jobs may finish before they are handed back',
        parseDurationOption,
        600_000,
      )
      .option('--runtime <binary>', 'OCI runtime: runc or crun', 'runc'),
    true,
  )
    .option(
      '--allow-registry <host>',
      'let jobs pull from this registry although it is on a loopback or link-local address (repeatable)',
      collect,
    )
    .option('--memory <size>', 'memory limit of every container whose pipeline sets none', parseMemoryOption)
    .option('--disk <size>', 'disk of every job whose pipeline sets none (default 10G)', parseDiskOption)
    .option('--cpus <n>', 'CPU limit where the pipeline sets none', parseCpusOption)
    .option('--pids <n>', 'process limit where the pipeline sets none (default 1024)', parsePidsOption)
    .action(async (opts: RunnerCommandOptions) => {
      process.exitCode = await (await import('./run.js')).runnerCommand(opts);
    });
}
