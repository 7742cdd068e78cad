import type { Command } from 'commander';

/** Options shared by `slipway pull`, `push` and `images`. */
export interface OciCliOptions {
  dataDir?: string;
  insecureRegistry?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds `--data-dir` (and, for registry commands, `--insecure-registry`) to `cmd`. */
export function addOciOptions(cmd: Command, registry: boolean): Command {
  cmd.option('--data-dir <dir>', 'runner data directory (default: $SLIPWAY_DATA_DIR or /var/lib/slipway)');
  if (registry)
    cmd.option(
      '--insecure-registry <host>',
      'allow plain HTTP to this registry host:port (repeatable; localhost/127.0.0.1 always are)',
      collect,
    );
  return cmd;
}

/**
 * Opens the image store and a registry client using the data dir's `auth.json` (written by
 * `slipway login`), then Docker's config file, for credentials.
 */
export async function openOci(opts: OciCliOptions) {
  const { dataDirPaths, defaultDataDir } = await import('../runner/data-dir.js');
  const { openImageStore } = await import('../runner/oci/store/index.js');
  const dataDir = opts.dataDir ?? defaultDataDir();
  const store = await openImageStore(dataDirPaths.images(dataDir));
  return { store, registry: await cliRegistryClient(dataDir, opts.insecureRegistry) };
}

/** The registry client of a CLI command working on `dataDir`. */
export async function cliRegistryClient(dataDir: string, insecure: string[] = []) {
  const { RegistryClient } = await import('../runner/oci/registry/client.js');
  const { dataDirCredentials } = await import('../runner/oci/registry/credentials.js');
  return new RegistryClient({ insecure, credentials: dataDirCredentials(dataDir) });
}

/** Prints a SlipwayError (or anything) as one clear line and sets a failing exit code. */
export function reportFailure(err: unknown): void {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
