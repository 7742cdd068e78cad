import pLimit from 'p-limit';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import {
  DEFAULT_PLATFORM,
  type ImageConfig,
  type ImageManifest,
  parseImageConfig,
  parseManifest,
  selectPlatform,
} from './manifest.js';
import { formatReference, type ImageReference, manifestSelector, parseReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import type { Descriptor, ImageStore, Platform } from './types.js';

const logger = log.child({ module: 'oci/pull' });

/** Progress of one blob during a pull. `bytes` counts what has arrived so far. */
export interface PullProgress {
  digest: string;
  kind: 'config' | 'layer';
  state: 'cached' | 'downloading' | 'done';
  bytes: number;
  total: number;
}

export interface PullOptions {
  onProgress?: (p: PullProgress) => void;
  /** Blobs downloaded at once (default 4). */
  concurrency?: number;
  platform?: Platform;
}

export interface PulledImage {
  /** The normalised reference the store now points at the manifest. */
  ref: string;
  manifest: Descriptor;
  manifestBody: ImageManifest;
  config: ImageConfig;
  configDescriptor: Descriptor;
  layers: Descriptor[];
}

/**
 * Pulls `reference` (resolving an index to linux/amd64) into `store`: manifest, config and
 * every layer blob, each verified against its digest by the store's write, then sets the ref
 * to the image manifest. Blobs already in the store are not fetched again ("cached").
 * Idempotent; a failed pull leaves only complete, verified blobs and no ref change.
 */
export async function pull(
  registry: RegistryClient,
  store: ImageStore,
  reference: string | ImageReference,
  opts: PullOptions = {},
): Promise<PulledImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const name = formatReference(ref);
  let fetched = await registry.getManifest(ref, manifestSelector(ref));
  let parsed = parseManifest(fetched.bytes, fetched.contentType, name);
  if (parsed.kind === 'index') {
    await store.content.write(fetched.bytes, { digest: fetched.digest, size: fetched.bytes.length });
    const chosen = selectPlatform(parsed.index, name, opts.platform ?? DEFAULT_PLATFORM);
    fetched = await registry.getManifest(ref, chosen.digest);
    parsed = parseManifest(fetched.bytes, fetched.contentType ?? chosen.mediaType, name);
    if (parsed.kind !== 'manifest')
      throw new SlipwayError(`${name}: the index entry ${chosen.digest} is another index`, {
        context: { image: name },
      });
  }
  const manifestBody = parsed.manifest;
  const manifest: Descriptor = {
    mediaType: parsed.mediaType,
    digest: fetched.digest,
    size: fetched.bytes.length,
  };

  const limit = pLimit(opts.concurrency ?? 4);
  const fetchOne = async (desc: Descriptor, kind: PullProgress['kind']) => {
    const base = { digest: desc.digest, kind, total: desc.size };
    if (await store.content.has(desc.digest)) {
      opts.onProgress?.({ ...base, state: 'cached', bytes: desc.size });
      return;
    }
    await registry.fetchBlob(ref, desc, async (body) => {
      const onProgress = opts.onProgress;
      if (!onProgress) return store.content.write(body, { digest: desc.digest, size: desc.size });
      let bytes = 0;
      onProgress({ ...base, state: 'downloading', bytes });
      async function* counted() {
        for await (const chunk of body) {
          bytes += chunk.byteLength;
          onProgress?.({ ...base, state: 'downloading', bytes });
          yield chunk;
        }
      }
      return store.content.write(counted(), { digest: desc.digest, size: desc.size });
    });
    opts.onProgress?.({ ...base, state: 'done', bytes: desc.size });
  };

  // The config (outside the limit: it is small) and the layers download together, largest
  // layers first so the biggest one never runs alone at the end. Every transfer has settled
  // before pull() returns or throws.
  const layersDone = Promise.all(
    largestFirst(manifestBody.layers).map((l) => limit(() => fetchOne(l, 'layer'))),
  );
  layersDone.catch(() => {}); // awaited below; this only keeps an early failure from being unhandled
  let config: ImageConfig;
  try {
    await fetchOne(manifestBody.config, 'config');
    config = parseImageConfig(
      await store.content.read(manifestBody.config.digest),
      manifestBody.layers.length,
      name,
    );
  } catch (err) {
    await layersDone.catch(() => {});
    throw err;
  }
  await layersDone;
  await store.content.write(fetched.bytes, { digest: manifest.digest, size: manifest.size });
  await store.setRef(name, manifest);
  logger.info({ image: name, digest: manifest.digest, layers: manifestBody.layers.length }, 'pulled');
  return {
    ref: name,
    manifest,
    manifestBody,
    config,
    configDescriptor: manifestBody.config,
    layers: manifestBody.layers,
  };
}

/** Layers ordered biggest first (a copy), for scheduling transfers. */
export function largestFirst(layers: readonly Descriptor[]): Descriptor[] {
  return [...layers].sort((a, b) => b.size - a.size);
}
