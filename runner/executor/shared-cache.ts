import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import {
  artifactLayer,
  type ImageReference,
  type ImageStore,
  packLayer,
  putArtifact,
  type RegistryClient,
  unpackLayerInto,
} from '../oci/index.js';

/** The artifact type of a job cache in the registry. */
export const JOB_CACHE_ARTIFACT = 'application/vnd.slipway.job-cache.v1';

/** Where a job cache is kept beside this host's copy: one entry per repository, ref and key. */
export interface CacheEntryName {
  /** The repository's tag (a hash of its clone URL). */
  repo: string;
  /** `branch/main`, `pr/7`, … (see cacheRefs). */
  ref: string;
  key: string;
}

/**
 * A job cache shared by every runner: `restore` fills `dir` (absent; made here) from the shared
 * copy and says whether there was one; `save` stores `dir` as the shared copy of `name`
 * (replacing the earlier one). Both may fail (a registry down): the caller logs it and goes on
 * with the host's own copy, which stays the fast path.
 */
export interface SharedCache {
  restore(name: CacheEntryName, dir: string): Promise<{ bytes: number } | undefined>;
  save(name: CacheEntryName, dir: string): Promise<{ bytes: number; stored: boolean }>;
}

/**
 * The SharedCache in an OCI registry repository: each cache entry is an artifact (an image
 * manifest of artifactType JOB_CACHE_ARTIFACT, the empty config, one gzip tar layer of the
 * cache dir, packed as image layers are: deterministic, owners and modes kept) tagged with a
 * hash of its name. The layer is content-addressed: a save of an unchanged cache uploads
 * nothing and leaves the tag. A restore verifies the blob's digest and unpacks it as untrusted
 * input (nothing outside `dir`, no device nodes), into a temp dir renamed into place.
 */
export function registryCache(
  client: RegistryClient,
  repository: ImageReference,
  store: ImageStore,
): SharedCache {
  const ref = repository;
  const layerOf = (tag: string) => artifactLayer(client, ref, tag, JOB_CACHE_ARTIFACT);
  return {
    async restore(name, dir) {
      const layer = await layerOf(tagOf(name));
      if (!layer) return undefined;
      const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
      try {
        await client.fetchBlob(ref, layer, async (body) => {
          await rm(tmp, { recursive: true, force: true });
          await mkdir(tmp, { recursive: true });
          const hash = createHash('sha256');
          const hashed = async function* () {
            for await (const chunk of body) {
              hash.update(chunk);
              yield chunk;
            }
          };
          await unpackLayerInto(hashed(), tmp, layer.digest);
          const got = `sha256:${hash.digest('hex')}`;
          if (got !== layer.digest)
            throw new SlipwayError(`the shared cache ${layer.digest} read back as ${got}`, {
              category: 'permanent',
            });
        });
        await mkdir(join(dir, '..'), { recursive: true });
        await rename(tmp, dir);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
      return { bytes: layer.size };
    },
    async save(name, dir) {
      const tag = tagOf(name);
      const packed = await packLayer(dir, store.content, { compression: 'gzip' });
      const layer = packed.descriptor;
      try {
        const current = await layerOf(tag).catch(() => undefined);
        if (current?.digest === layer.digest) return { bytes: layer.size, stored: false };
        const path = await store.content.blobPath(layer.digest);
        await client.pushBlob(ref, layer, () => createReadStream(path));
        await putArtifact(client, ref, tag, JOB_CACHE_ARTIFACT, layer, {
          'dev.slipway.cache.ref': name.ref,
          'dev.slipway.cache.key': name.key,
        });
        return { bytes: layer.size, stored: true };
      } finally {
        await store.content.delete(layer.digest).catch(() => undefined);
      }
    },
  };
}

/** A cache entry's tag: a hash of its name (tags are short and plain; names are neither). */
function tagOf(name: CacheEntryName): string {
  return `cache-${createHash('sha256').update(`${name.repo}\0${name.ref}\0${name.key}`).digest('hex').slice(0, 40)}`;
}
