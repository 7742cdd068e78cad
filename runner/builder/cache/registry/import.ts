import { SlipwayError } from '../../../../lib/errors.js';
import type { Descriptor, ImageStore, RegistryClient } from '../../../oci/index.js';
import {
  formatReference,
  type ImageReference,
  manifestSelector,
  parseManifest,
  parseReference,
  verifyDigest,
} from '../../../oci/index.js';
import type { CacheEntry } from '../store/entry.js';
import { CACHE_CONFIG_MEDIA_TYPE, MAX_CACHE_CONFIG_BYTES, parseCacheConfig } from './format.js';

/** Cache entries imported from registry references, with where each entry's layer lives. */
export class ImportedCache {
  private readonly entries = new Map<string, { entry: CacheEntry; from: ImageReference }>();

  constructor(
    private readonly registry: RegistryClient,
    private readonly store: ImageStore,
  ) {}

  /**
   * Reads the cache manifest at `reference` and its config blob. A missing manifest is not an
   * error (the first build has nothing to import): it returns 0. Returns the entry count.
   */
  async load(reference: string): Promise<number> {
    const ref = parseReference(reference);
    const name = formatReference(ref);
    let fetched: Awaited<ReturnType<RegistryClient['getManifest']>>;
    try {
      fetched = await this.registry.getManifest(ref, manifestSelector(ref));
    } catch (err) {
      if (err instanceof SlipwayError && /manifest unknown/.test(err.message)) return 0;
      throw err;
    }
    const parsed = parseManifest(fetched.bytes, fetched.contentType, name);
    if (parsed.kind !== 'manifest' || parsed.manifest.config.mediaType !== CACHE_CONFIG_MEDIA_TYPE)
      throw new SlipwayError(`--cache-from ${name} is not a Slipway build cache (config media type)`, {
        context: { image: name },
      });
    const cfg = parsed.manifest.config;
    if (cfg.size > MAX_CACHE_CONFIG_BYTES)
      throw new SlipwayError(`--cache-from ${name}: cache config of ${cfg.size} bytes is too large`);
    const bytes = await this.registry.fetchBlob(ref, cfg, async (body) => {
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of body) {
        n += c.byteLength;
        if (n > MAX_CACHE_CONFIG_BYTES)
          throw new SlipwayError(`--cache-from ${name}: cache config too large`);
        chunks.push(Buffer.from(c));
      }
      return Buffer.concat(chunks);
    });
    verifyDigest(bytes, cfg.digest, `cache config of ${name}`);
    const config = parseCacheConfig(bytes, `--cache-from ${name}`);
    for (const [key, entry] of Object.entries(config.entries))
      if (!this.entries.has(key)) this.entries.set(key, { entry, from: ref });
    return Object.keys(config.entries).length;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The imported entry for `key`, its layer blob fetched into the store first. */
  async get(key: string): Promise<CacheEntry | undefined> {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.entry.layer) await this.fetch(hit.from, hit.entry.layer.descriptor);
    return hit.entry;
  }

  private async fetch(ref: ImageReference, desc: Descriptor): Promise<void> {
    if (await this.store.content.has(desc.digest)) return;
    await this.registry.fetchBlob(ref, desc, (body) =>
      this.store.content.write(body, { digest: desc.digest, size: desc.size }),
    );
  }
}
