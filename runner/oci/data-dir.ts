import { join } from 'node:path';

/**
 * The runner's data directory: `$SLIPWAY_DATA_DIR`, else `/var/lib/slipway`. Images live in
 * its `images/` subdirectory (the ImageStore's blobs, refs and unpacked layers).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIPWAY_DATA_DIR || '/var/lib/slipway';
}

/** Where the image store of `dataDir` lives. */
export function imageStoreDir(dataDir: string): string {
  return join(dataDir, 'images');
}
