import type { Command } from 'commander';
import { parseCountOption } from '../../flags.js';
import { addJobHostFlags, parseDurationOption } from '../../job-host-flags.js';
import type { RunnerCommandOptions } from './run.js';

/** `slipway runner`: takes queued jobs from Redis and runs them in containers on this host. */
export function register(program: Command): void {
  addJobHostFlags(
    program
      .command('runner')
      .description('run queued jobs on this host: a BullMQ worker for every label set it covers')
      .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
      .option('--labels <list>', 'comma-separated labels this runner has (default: linux,<arch>)')
      .option('--concurrency <n>', 'jobs run at once', parseCountOption, 1)
      .option('--name <name>', 'unique name among the runners of this Redis (default: the host name)')
      .option(
        '--grace <duration>',
        'on SIGTERM, how long running jobs may finish before they are handed back (default 10m)',
        parseDurationOption,
      )
      .option(
        '--job-lock <duration>',
        "a running job's lock in Redis, renewed every half of it; a runner gone this long loses its jobs (default 30s)",
        parseDurationOption,
      )
      .option(
        '--stalled-check <duration>',
        'how often to look for jobs whose runner was lost, to run them again (default 15s)',
        parseDurationOption,
      )
      .option(
        '--cache-registry <repository>',
        "share jobs' caches with other runners in this registry repository, HOST[:PORT]/PATH (default: $SLIPWAY_CACHE_REGISTRY; else each host keeps its own)",
      )
      .option(
        '--artifact-registry <repository>',
        "upload jobs' artifacts to this registry repository, HOST[:PORT]/PATH, for the servers to hand out (default: $SLIPWAY_ARTIFACT_REGISTRY; else they stay on this host)",
      )
      .option('--runtime <binary>', 'OCI runtime: runc or crun', 'runc')
      .option(
        '--drain',
        'ask the running runner --name (on any host) to drain as on SIGTERM, and wait until it does',
      ),
  ).action(async (opts: RunnerCommandOptions) => {
    process.exitCode = await (await import('./run.js')).runnerCommand(opts);
  });
}
