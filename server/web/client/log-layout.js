// The rows of the log view, without the lines' text: a header row for each section (lines in a
// row from one step), then its lines unless that step is collapsed. Rows and line numbers map
// to each other by binary search over the sections, so a million lines cost a few numbers per
// section, not an object per row.

export class LogLayout {
  constructor() {
    /** @type {{ step: string, first: number, last: number }[]} */
    this.sections = [];
    /** Row index of each section's header. */
    this.starts = [];
    this.collapsed = new Set();
    this.rows = 0;
    /** The number of the last line laid out. */
    this.lines = 0;
  }

  /** Lays out a log's outline (from `GET /api/jobs/:id/log/outline`). */
  reset(sections, lines) {
    this.sections = sections.map((s) => ({ step: s.step, first: s.first, last: s.last }));
    this.lines = lines;
    this.reindex();
  }

  /** Adds line `n` of `step` (a live line); lines at or below the last one are ignored. */
  append(n, step) {
    if (n <= this.lines) return;
    const open = this.sections.at(-1);
    const shown = !this.collapsed.has(step);
    if (open && open.step === step && open.last === n - 1) {
      open.last = n;
      if (shown) this.rows++;
    } else {
      this.sections.push({ step, first: n, last: n });
      this.starts.push(this.rows);
      this.rows += shown ? 2 : 1;
    }
    this.lines = n;
  }

  reindex() {
    this.starts = [];
    let r = 0;
    for (const s of this.sections) {
      this.starts.push(r);
      r += 1 + (this.collapsed.has(s.step) ? 0 : s.last - s.first + 1);
    }
    this.rows = r;
  }

  /** Collapses a step's sections, or expands them (`open`: force one way). */
  toggle(step, open = this.collapsed.has(step)) {
    if (open) this.collapsed.delete(step);
    else this.collapsed.add(step);
    this.reindex();
  }

  /** Row `r`: its section, and its line number (undefined for the section's header). */
  at(r) {
    const s = lastAtOrBelow(this.starts, r, (x) => x);
    const section = this.sections[s];
    const offset = r - this.starts[s];
    return offset === 0 ? { section } : { section, n: section.first + offset - 1 };
  }

  /** The section holding line `n`, or undefined (no such line). */
  sectionOf(n) {
    const s = lastAtOrBelow(this.sections, n, (x) => x.first);
    const section = this.sections[s];
    return section && n >= section.first && n <= section.last ? { section, index: s } : undefined;
  }

  /** The row of line `n` (its header's while its step is collapsed), or -1. */
  rowOf(n) {
    const found = this.sectionOf(n);
    if (!found) return -1;
    const start = this.starts[found.index];
    return this.collapsed.has(found.section.step) ? start : start + 1 + (n - found.section.first);
  }
}

/** The index of the last item whose key is ≤ `value` in a list sorted by key (0 if none). */
function lastAtOrBelow(list, value, key) {
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (key(list[mid]) <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
