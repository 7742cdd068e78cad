import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirPaths } from '../../../data-dir.js';
import { type CacheEntry, cacheKeySchema, parseCacheEntry } from './entry.js';

/**
 * The local build cache at `<dataDir>/build-cache/<key hex>.json`: cache key → CacheEntry.
 * Writes are temp-file + rename (atomic; concurrent builds writing one key are harmless: the
 * entries are equivalent). A corrupt or unreadable entry is a miss. Entries do not hold blobs:
 * the layer must still be in the content store for a hit (the caller checks). Entries are a few
 * hundred bytes: they are read and written synchronously, which costs less than a thread-pool
 * round trip per call (a build of 10,000 instructions makes 10,000 of each).
 */
export class LocalBuildCache {
  readonly dir: string;
  private made = false;
  private readonly tmpPrefix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}-`;
  private written = 0;

  constructor(dataDir: string) {
    this.dir = dataDirPaths.buildCache(dataDir);
  }

  private file(key: string): string {
    return join(this.dir, `${cacheKeySchema.parse(key).slice('sha256:'.length)}.json`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      return parseCacheEntry(JSON.parse(readFileSync(this.file(key), 'utf8')));
    } catch {
      return undefined;
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    const tmp = join(this.dir, `${this.tmpPrefix}${this.written++}`);
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, this.file(key));
  }
}
