import { formatReference, parseReference } from '../oci/index.js';

/** The last BUILT_REFS_KEPT image refs built on a host, normalised (`busybox` → `docker.io/library/busybox:latest`). */
export interface BuiltRefs {
  add(ref: string): void;
  has(ref: string): boolean;
}

/** How many refs a host remembers: a long-lived runner's memory stays bounded. */
export const BUILT_REFS_KEPT = 1000;

/**
 * The refs a host's jobs built (in this process), the oldest forgotten past BUILT_REFS_KEPT.
 * The executor says from it that a job's image was "built on this runner": the same-host case
 * of an image built by an earlier job of the run, with no registry round trip.
 */
export function builtRefs(): BuiltRefs {
  const refs = new Set<string>();
  const norm = (ref: string) => formatReference(parseReference(ref));
  return {
    add(ref) {
      const r = norm(ref);
      refs.delete(r);
      refs.add(r);
      if (refs.size > BUILT_REFS_KEPT) refs.delete(refs.values().next().value as string);
    },
    has: (ref) => refs.has(norm(ref)),
  };
}
