/**
 * The lower dirs overlayfs is given for `lowerDirs` (bottom first): each dir kept only at its
 * topmost position, the order otherwise unchanged. Layers are unpacked once per diffID and
 * shared, so an image whose layer list repeats a diffID (empty layers are common, and identical
 * RUN results repeat too) would pass one dir twice, which overlayfs refuses with ELOOP. A lower
 * copy of a repeated layer is entirely shadowed by its upper copy, so dropping it changes nothing
 * in the merged view. Pure; the input is not modified.
 */
export function topmostLowerDirs(lowerDirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const topFirst: string[] = [];
  for (let i = lowerDirs.length - 1; i >= 0; i--) {
    const dir = lowerDirs[i]!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    topFirst.push(dir);
  }
  return topFirst.reverse();
}
