/** Tolerant readers for the raw YAML value, so cross-checks can run even when the schema failed. */
export type RawMap = Record<string, unknown>;

export function asMap(v: unknown): RawMap | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as RawMap) : undefined;
}

/** Entries of a list (or a lone scalar) with the YAML path suffix that locates each one. */
export function listEntries(v: unknown): { value: unknown; at: number[] }[] {
  if (Array.isArray(v)) return v.map((value, i) => ({ value, at: [i] }));
  if (v === undefined || v === null) return [];
  return [{ value: v, at: [] }];
}

export function strings(v: unknown): { value: string; at: number[] }[] {
  return listEntries(v).filter((e): e is { value: string; at: number[] } => typeof e.value === 'string');
}

export function mapEntries(v: unknown): [string, unknown][] {
  const m = asMap(v);
  return m ? Object.entries(m) : [];
}
