import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

/** A name unique to this test process and call, safe for dirs, repos, container ids. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * A fresh temp directory removed after the test file finishes, pass or fail.
 * Set SLIPWAY_KEEP_TMP=1 to keep it for debugging.
 */
export async function tempDir(prefix = 'slipway-test'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  onCleanup(async () => {
    if (!process.env.SLIPWAY_KEEP_TMP) await rm(dir, { recursive: true, force: true });
  });
  return dir;
}
