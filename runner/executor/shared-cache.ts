import { createHash } from 'node:crypto';
import {
  artifactLayer,
  type ImageReference,
  type ImageStore,
  pullDirArtifact,
  pushDirArtifact,
  type RegistryClient,
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
 * The SharedCache in an OCI registry repository: each cache entry is a directory artifact of
 * type JOB_CACHE_ARTIFACT (pushDirArtifact: one deterministic gzip tar layer) tagged with a
 * hash of its name. A save of an unchanged cache uploads nothing and leaves the tag. A restore
 * verifies the blob's digest and unpacks it as untrusted input (pullDirArtifact).
 */
export function registryCache(
  client: RegistryClient,
  repository: ImageReference,
  store: ImageStore,
): SharedCache {
  return {
    async restore(name, dir) {
      const layer = await artifactLayer(client, repository, tagOf(name), JOB_CACHE_ARTIFACT);
      if (!layer) return undefined;
      await pullDirArtifact(client, repository, layer, dir);
      return { bytes: layer.size };
    },
    async save(name, dir) {
      const { layer, stored } = await pushDirArtifact(
        client,
        repository,
        tagOf(name),
        JOB_CACHE_ARTIFACT,
        dir,
        store.content,
        { 'dev.slipway.cache.ref': name.ref, 'dev.slipway.cache.key': name.key },
      );
      return { bytes: layer.size, stored };
    },
  };
}

/** A cache entry's tag: a hash of its name (tags are short and plain; names are neither). */
function tagOf(name: CacheEntryName): string {
  return `cache-${createHash('sha256').update(`${name.repo}\0${name.ref}\0${name.key}`).digest('hex').slice(0, 40)}`;
}
