/**
 * Orders jobs into layers: a job sits one layer after the last of its needs. Jobs inside a
 * layer are sorted by id so output is stable. The parser already rejected cycles; a cycle that
 * still shows up here (never expected) leaves its jobs out and is returned in `stuck`.
 */
export function layers(needs: ReadonlyMap<string, readonly string[]>): {
  layers: string[][];
  stuck: string[];
} {
  const depth = new Map<string, number>();
  let remaining = [...needs.keys()];
  let progressed = true;
  while (remaining.length > 0 && progressed) {
    progressed = false;
    const next: string[] = [];
    for (const id of remaining) {
      const deps = needs.get(id) ?? [];
      if (deps.every((d) => depth.has(d))) {
        depth.set(
          id,
          deps.reduce((m, d) => Math.max(m, (depth.get(d) ?? 0) + 1), 0),
        );
        progressed = true;
      } else next.push(id);
    }
    remaining = next;
  }
  const out: string[][] = [];
  for (const [id, d] of depth) {
    const layer = out[d] ?? [];
    layer.push(id);
    out[d] = layer;
  }
  return { layers: out.filter(Boolean).map((l) => l.sort()), stuck: remaining };
}
