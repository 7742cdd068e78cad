// Search in the log, run on the server (`GET /api/jobs/:id/log/search`) so a log of any length
// is searched whole: the match count, and next / previous through the matching lines, fetched
// a thousand at a time as they are reached.

const BATCH = 1000;

export class LogSearch {
  /** `show(n)` scrolls to line n; `changed()` redraws (the matched rows are marked). */
  constructor(jobId, { input, prev, next, status }, { show, changed }) {
    Object.assign(this, { jobId, input, status, show, changed });
    this.reset('');
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      void this.step(e.shiftKey ? -1 : 1);
    });
    input.addEventListener('input', () => {
      if (!input.value) this.reset('');
    });
    prev.addEventListener('click', () => void this.step(-1));
    next.addEventListener('click', () => void this.step(1));
  }

  reset(query) {
    this.query = query;
    this.lines = [];
    this.set = new Set();
    this.count = 0;
    this.more = false;
    this.index = -1;
    this.current = null;
    this.status.textContent = '';
    this.changed();
  }

  /** Whether line n holds the text searched for, and whether it is the current match. */
  marks(n) {
    return { match: this.set.has(n), current: this.current === n };
  }

  async fetchMore(after) {
    const q = encodeURIComponent(this.query);
    const url = `/api/jobs/${this.jobId}/log/search?q=${q}&after=${after}&limit=${BATCH}`;
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`search failed (${res.status})`);
    const found = await res.json();
    this.count = found.count;
    this.more = found.more;
    for (const n of found.lines) {
      this.lines.push(n);
      this.set.add(n);
    }
  }

  /** Goes to the next (1) or previous (-1) match, searching first if the text changed. */
  async step(direction) {
    const query = this.input.value;
    if (!query) return;
    try {
      if (query !== this.query) {
        this.reset(query);
        this.status.textContent = 'searching…';
        await this.fetchMore(0);
        this.index = direction > 0 ? 0 : this.more ? 0 : this.lines.length - 1;
      } else if (direction > 0) {
        if (this.index + 1 >= this.lines.length && this.more) await this.fetchMore(this.lines.at(-1));
        this.index = this.index + 1 < this.lines.length ? this.index + 1 : 0;
      } else {
        this.index = this.index > 0 ? this.index - 1 : this.lines.length - 1;
      }
    } catch (err) {
      this.status.textContent = err.message;
      return;
    }
    if (query !== this.input.value) return; // typed on meanwhile
    this.current = this.lines[this.index] ?? null;
    this.status.textContent =
      this.count === 0 ? 'no match' : `${this.index + 1} of ${this.count.toLocaleString('en')}`;
    if (this.current !== null) this.show(this.current);
    this.changed();
  }
}
