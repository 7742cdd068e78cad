import { type Command, InvalidArgumentError } from 'commander';

// Imported by every command's registration at startup: commander only. Flags whose parsers
// need the pipeline language (limits, sizes, durations) live in job-host-flags.ts.

/** Commander's accumulator for repeatable options (`--x a --x b` → `['a', 'b']`). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--data-dir` and `--insecure-registry`, shared by every command that opens a runner host. */
export interface HostFlags {
  dataDir?: string;
  insecureRegistry?: string[];
}

/** Adds `--data-dir` (and, for commands that talk to registries, `--insecure-registry`) to `cmd`. */
export function addHostFlags(cmd: Command, registry: boolean): Command {
  cmd.option('--data-dir <dir>', 'runner data directory (default: $SLIPWAY_DATA_DIR or /var/lib/slipway)');
  if (registry)
    cmd.option(
      '--insecure-registry <host>',
      'allow plain HTTP to this registry host:port (repeatable; localhost/127.0.0.1 always are)',
      collect,
    );
  return cmd;
}

/** `--server` and `--token`: how the API commands (repo, token) reach a Slipway server. */
export interface ServerFlags {
  server?: string;
  token?: string;
}

/** Adds `--server URL` (default $SLIPWAY_SERVER, else http://127.0.0.1:8080) and `--token T` ($SLIPWAY_TOKEN). */
export function addServerFlags(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'Slipway server (default: $SLIPWAY_SERVER or http://127.0.0.1:8080)')
    .option(
      '--token <token>',
      'API token (default: $SLIPWAY_TOKEN; prefer the variable, argv is visible in ps)',
    );
}

/** A positive whole number flag (`--concurrency 4`). */
export function parseCountOption(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 1000)) throw new InvalidArgumentError(`expected a whole number from 1 to 1000`);
  return n;
}
