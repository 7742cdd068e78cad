import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheTrimmer } from '../../lib/cache-trim.js';
import type { StoredArtifacts } from '../../pipelines/index.js';
import {
  type ImageReference,
  MediaType,
  pullDirArtifact,
  type RegistryClient,
} from '../../runner/oci/index.js';

/** Jobs' artifacts as a server hands them out: local copies of what the runners uploaded. */
export interface ArtifactFiles {
  /**
   * The local directory holding the files of `stored` at their workspace paths: fetched from
   * the registry on first use (its digest verified, unpacked as untrusted input), then reused.
   * Concurrent callers share one fetch. Throws when the registry cannot give it.
   */
  dir(stored: StoredArtifacts): Promise<string>;
}

/**
 * The ArtifactFiles of the shared artifact registry repository `repository`, copied into
 * `cacheDir` (`<data dir>/artifact-cache`), one dir per layer digest, kept under a size by
 * `trimmer` (least recently used first; a copy removed is fetched again on its next use).
 */
export function registryArtifactFiles(opts: {
  client: RegistryClient;
  repository: ImageReference;
  cacheDir: string;
  trimmer?: CacheTrimmer;
}): ArtifactFiles {
  const fetching = new Map<string, Promise<string>>();
  const fetchOnce = async (stored: StoredArtifacts, dir: string): Promise<string> => {
    if (await stat(dir).catch(() => undefined)) {
      await opts.trimmer?.used(dir);
      return dir;
    }
    const layer = { mediaType: MediaType.ociLayerGzip, digest: stored.digest, size: stored.size };
    await pullDirArtifact(opts.client, opts.repository, layer, dir).catch(async (err: Error) => {
      // Another server process sharing the data dir may have put it there first.
      if (await stat(dir).catch(() => undefined)) return;
      throw err;
    });
    opts.trimmer?.added();
    return dir;
  };
  return {
    dir(stored) {
      const dir = join(opts.cacheDir, stored.digest.replace(':', '-'));
      let p = fetching.get(dir);
      if (!p) {
        p = fetchOnce(stored, dir).finally(() => fetching.delete(dir));
        fetching.set(dir, p);
      }
      return p;
    },
  };
}
