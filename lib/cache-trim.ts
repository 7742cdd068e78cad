import { lstat, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { log as rootLog } from './log.js';

const logger = rootLog.child({ module: 'lib/cache-trim' });

/** What one trim removed. */
export interface TrimReport {
  removed: number;
  freedBytes: number;
  keptBytes: number;
}

/**
 * Removes the least recently used entries (files or dirs, by mtime) of cache dir `dir` until
 * what is left holds at most `maxBytes`. Entries used within `graceMs` are never removed (one
 * being written or read now), nor hidden ones (`.name`: a fetch's temp file). A reader that has
 * a removed file open reads on; the next one fetches it again. Best effort per entry.
 */
export async function trimCache(
  dir: string,
  maxBytes: number,
  graceMs: number,
  now = Date.now(),
): Promise<TrimReport> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith('.'));
  const entries = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (st)
      entries.push({ path, usedAt: st.mtimeMs, bytes: st.isDirectory() ? await treeBytes(path) : st.size });
  }
  let keptBytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const report = { removed: 0, freedBytes: 0, keptBytes };
  for (const e of entries.sort((a, b) => a.usedAt - b.usedAt)) {
    if (keptBytes <= maxBytes || now - e.usedAt < graceMs) break;
    if (
      !(await rm(e.path, { recursive: true, force: true }).then(
        () => true,
        () => false,
      ))
    )
      continue;
    keptBytes -= e.bytes;
    report.removed++;
    report.freedBytes += e.bytes;
  }
  return { ...report, keptBytes };
}

async function treeBytes(dir: string): Promise<number> {
  let sum = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, e.name);
    if (e.isDirectory()) sum += await treeBytes(path);
    else sum += (await lstat(path).catch(() => undefined))?.size ?? 0;
  }
  return sum;
}

/** A cache dir kept under a size: `used` marks an entry recently used, `added` may trim. */
export interface CacheTrimmer {
  /** Marks `path` (an entry) as used now, so it is removed last. Best effort. */
  used(path: string): Promise<void>;
  /** Called after an entry was added: trims the dir, at most once per `intervalMs`, in the background. */
  added(): void;
}

/** Keeps `dir` under `maxBytes` (see trimCache); the trims run in the background, one at a time. */
export function cacheTrimmer(
  dir: string,
  opts: { maxBytes: number; intervalMs?: number; graceMs?: number },
): CacheTrimmer {
  let last = 0;
  let running = false;
  return {
    used: async (path) => {
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
    },
    added() {
      if (running || Date.now() - last < (opts.intervalMs ?? 60_000)) return;
      running = true;
      last = Date.now();
      void trimCache(dir, opts.maxBytes, opts.graceMs ?? 60_000)
        .then((r) => {
          if (r.removed) logger.info({ dir, ...r }, 'cache trimmed: least recently used entries removed');
        })
        .catch((err) => logger.warn({ err, dir }, 'cache trim failed'))
        .finally(() => {
          running = false;
        });
    },
  };
}
