import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDirPaths } from '../../../data-dir.js';
import { type CacheEntry, cacheKeySchema, parseCacheEntry } from './entry.js';

/**
 * The local build cache at `<dataDir>/build-cache/<key hex>.json`: cache key → CacheEntry.
 * Writes are temp-file + rename (atomic; concurrent builds writing one key are harmless: the
 * entries are equivalent). A corrupt or unreadable entry is a miss. Entries do not hold blobs:
 * the layer must still be in the content store for a hit (the caller checks).
 */
export class LocalBuildCache {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = dataDirPaths.buildCache(dataDir);
  }

  private file(key: string): string {
    return join(this.dir, `${cacheKeySchema.parse(key).slice('sha256:'.length)}.json`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      return parseCacheEntry(JSON.parse(await readFile(this.file(key), 'utf8')));
    } catch {
      return undefined;
    }
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, this.file(key));
  }
}
