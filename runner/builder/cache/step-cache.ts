import type { ImageStore } from '../../oci/index.js';
import type { ImportedCache } from './registry/import.js';
import type { CacheEntry } from './store/entry.js';
import type { LocalBuildCache } from './store/local.js';

/**
 * The cache one build consults: the local cache first, then entries imported with
 * --cache-from (their layers fetched on a hit and the entry saved locally). Every entry the
 * build uses or produces is remembered in `used` for --cache-to. With `noCache`, lookups miss
 * but results are still stored.
 */
export class StepCache {
  readonly used = new Map<string, CacheEntry>();

  constructor(
    private readonly store: ImageStore,
    private readonly local: LocalBuildCache,
    private readonly imported: ImportedCache | undefined,
    private readonly noCache: boolean,
  ) {}

  async get(key: string): Promise<CacheEntry | undefined> {
    if (this.noCache) return undefined;
    const local = await this.local.get(key);
    if (local && (!local.layer || (await this.store.content.has(local.layer.descriptor.digest)))) {
      this.used.set(key, local);
      return local;
    }
    const remote = await this.imported?.get(key);
    if (!remote) return undefined;
    await this.local.put(key, remote);
    this.used.set(key, remote);
    return remote;
  }

  async put(key: string, entry: CacheEntry): Promise<void> {
    this.used.set(key, entry);
    await this.local.put(key, entry);
  }
}
