import { createReadStream } from 'node:fs';
import pLimit from 'p-limit';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';
import { convertManifest, type ManifestFormat } from './convert.js';
import { parseManifest } from './manifest.js';
import { largestFirst } from './pull.js';
import { formatReference, type ImageReference, normalizeReference, parseReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import type { Descriptor, ImageStore } from './types.js';

const logger = log.child({ module: 'oci/push' });

export interface PushProgress {
  digest: string;
  total: number;
  state: 'exists' | 'mounted' | 'uploaded';
}

export interface PushOptions {
  /** More tags to PUT the manifest under, besides the destination's own. */
  tags?: string[];
  /** Rewrite media types to this format; default: push the manifest exactly as stored. */
  format?: ManifestFormat;
  concurrency?: number;
  onProgress?: (p: PushProgress) => void;
}

/**
 * Pushes the image at store ref `source` to `destination` (default: the same reference):
 * every blob the registry lacks (HEAD first; cross-repo mount when both live on one registry),
 * then the manifest under each tag. Idempotent. Returns the pushed manifest descriptor.
 */
export async function push(
  registry: RegistryClient,
  store: ImageStore,
  source: string,
  destination?: string | ImageReference,
  opts: PushOptions = {},
): Promise<Descriptor> {
  const srcName = normalizeReference(source);
  const src = parseReference(srcName);
  const dst =
    destination === undefined
      ? src
      : typeof destination === 'string'
        ? parseReference(destination)
        : destination;
  const dstName = formatReference(dst);
  const target = await store.getRef(srcName);
  if (!target)
    throw new SlipwayError(`image ${srcName} is not in the local store (pull or build it first)`, {
      category: 'permanent',
      context: { image: srcName },
    });
  let bytes = await store.content.read(target.digest);
  const parsed = parseManifest(bytes, target.mediaType, srcName);
  if (parsed.kind !== 'manifest')
    throw new SlipwayError(`${srcName} is an image index; only single-platform images can be pushed`);
  let mediaType = parsed.mediaType;
  if (opts.format) ({ mediaType, bytes } = convertManifest(parsed.manifest, opts.format, srcName));

  const mountFrom = src.registry === dst.registry ? src.repository : undefined;
  const blobs = [parsed.manifest.config, ...largestFirst(parsed.manifest.layers)];
  // Every HEAD at once (cheap), then uploads of the missing blobs, largest first so the
  // biggest one never runs alone at the end.
  const present = await Promise.all(blobs.map((desc) => registry.hasBlob(dst, desc.digest)));
  const limit = pLimit(opts.concurrency ?? 4);
  await Promise.all(
    blobs.map(async (desc, i) => {
      if (present[i]) {
        opts.onProgress?.({ digest: desc.digest, total: desc.size, state: 'exists' });
        return;
      }
      const upload = async () => {
        const path = await store.content.blobPath(desc.digest);
        const how = await registry.pushBlob(
          dst,
          desc,
          () => createReadStream(path, { highWaterMark: 1 << 20 }),
          mountFrom,
          true,
        );
        opts.onProgress?.({ digest: desc.digest, total: desc.size, state: how });
      };
      // The config is tiny: it does not wait for a slot.
      await (i === 0 ? upload() : limit(upload));
    }),
  );

  const tags = [...new Set([...(dst.tag ? [dst.tag] : []), ...(opts.tags ?? [])])];
  let digest = '';
  for (const tag of tags.length ? tags : [dst.digest!])
    digest = await registry.putManifest(dst, tag, mediaType, bytes);
  if (dst.digest && digest !== dst.digest)
    throw new SlipwayError(`${dstName}: pushed manifest is ${digest}, not the digest named in the reference`);
  logger.info({ image: dstName, digest, tags }, 'pushed');
  return { mediaType, digest, size: bytes.length };
}
