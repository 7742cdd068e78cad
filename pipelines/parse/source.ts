import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type Path = readonly PropertyKey[];

/**
 * Finds where a value of the parsed pipeline came from. `locate(path, 'key')` points at the
 * key of a mapping entry, `'value'` at its value; when the path does not exist in the YAML (a
 * missing key, a value produced by a merge key) it falls back to the deepest node that does.
 * Immutable after construction; safe to keep alongside the Pipeline for plan-time errors.
 */
export class SourceMap {
  constructor(
    readonly file: string,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line/column for an absolute character offset. */
  at(offset: number): { line: number; col: number } {
    return this.lines.linePos(Math.max(0, offset));
  }

  locate(path: Path, part: 'key' | 'value' = 'value'): { line: number; col: number } {
    let node: unknown = this.doc?.contents;
    let offset = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      if (isAlias(node) && this.doc) node = node.resolve(this.doc);
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        const keyOffset = rangeStart(pair.key);
        if (i === path.length - 1 && part === 'key') return this.at(keyOffset ?? offset);
        node = pair.value;
        offset = rangeStart(node) ?? keyOffset ?? offset;
        if (node === null || node === undefined) break;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        node = item;
        offset = rangeStart(node) ?? offset;
      } else break;
    }
    return this.at(offset);
  }
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
