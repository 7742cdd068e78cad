import type { Command } from 'commander';
import { parseDurationOption, parseSizeOption } from '../../job-host-flags.js';
import type { ServerCommandOptions } from './run.js';

/** `slipway server`: webhooks, the JSON API with live logs, and the orchestration of runs. */
export function register(program: Command): void {
  program
    .command('server')
    .description('run the CI server: forge webhooks, the API and live logs, orchestration over Redis')
    .option('--listen <host:port>', 'address to serve HTTP on', '127.0.0.1:8080')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--data-dir <dir>', 'data directory (default: $SLIPWAY_DATA_DIR or /var/lib/slipway)')
    .option(
      '--public-url <url>',
      'base URL runners and forges reach this server at (default: $SLIPWAY_PUBLIC_URL, else http://<listen>)',
    )
    .option(
      '--log-archive <repository>',
      'archive finished logs in this registry repository, HOST[:PORT]/PATH, readable by every server (default: $SLIPWAY_LOG_ARCHIVE, else the data dir)',
    )
    .option(
      '--artifact-registry <repository>',
      "the registry repository runners upload jobs' artifacts to (their --artifact-registry), HOST[:PORT]/PATH, served by GET /api/jobs/{id}/artifacts/… (default: $SLIPWAY_ARTIFACT_REGISTRY)",
    )
    .option(
      '--cache-max <size>',
      'at most this much in each local copy of registry content (log-cache, artifact-cache); least recently used go first (default 2GiB)',
      parseSizeOption,
    )
    .option(
      '--stalled-check <duration>',
      'how often to look for jobs whose runner was lost and bring runs in line with their queues (default 15s)',
      parseDurationOption,
    )
    .action(async (opts: ServerCommandOptions) => {
      process.exitCode = await (await import('./run.js')).serverCommand(opts);
    });
}
