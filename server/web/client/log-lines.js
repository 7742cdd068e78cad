// The log's lines by number: fetched from the API a page at a time as their rows come into
// view, and kept for the most recently used pages only, so the page's memory stays bounded
// however long the log is. Live lines from the stream go straight in.

const PAGE = 250; // lines a request
const KEEP = 80; // pages held (20,000 lines)
const PARALLEL = 2; // requests at once
const RETRY_MS = 2000;

export class LineStore {
  /** `onLoaded` is called after fetched lines arrive (to draw them). */
  constructor(jobId, onLoaded) {
    this.jobId = jobId;
    this.onLoaded = onLoaded;
    /** @type {Map<number, { lines: object[], state: 'empty' | 'loading' | 'fetched', used: number }>} */
    this.pages = new Map();
    this.tick = 0;
    this.queue = [];
    this.active = 0;
  }

  page(p) {
    let page = this.pages.get(p);
    if (!page) {
      page = { lines: new Array(PAGE), state: 'empty', used: 0 };
      this.pages.set(p, page);
    }
    page.used = ++this.tick;
    return page;
  }

  /** Line `n` if held; `null` if the server was asked and has none; undefined while unknown. */
  get(n) {
    const page = this.pages.get(Math.floor((n - 1) / PAGE));
    const line = page?.lines[(n - 1) % PAGE];
    return line ?? (page?.state === 'fetched' ? null : undefined);
  }

  /** Holds a line (as the API gives it: `{ number, step, stream, time, text }`). */
  put(line) {
    this.page(Math.floor((line.number - 1) / PAGE)).lines[(line.number - 1) % PAGE] = line;
  }

  /**
   * Lines `from`..`to` are in view: their pages are kept, and those missing a line are
   * fetched, nearest first; pages asked for earlier and no longer in view are not.
   */
  want(from, to) {
    if (to < from) return;
    const wanted = [];
    for (let p = Math.floor((from - 1) / PAGE); p <= Math.floor((to - 1) / PAGE); p++) {
      const page = this.page(p);
      if (page.state !== 'empty') continue;
      const lo = Math.max(from, p * PAGE + 1);
      const hi = Math.min(to, (p + 1) * PAGE);
      for (let n = lo; n <= hi; n++)
        if (!page.lines[(n - 1) % PAGE]) {
          wanted.push(p);
          break;
        }
    }
    this.queue = wanted;
    this.pump();
    this.evict();
  }

  pump() {
    while (this.active < PARALLEL && this.queue.length > 0) {
      const p = this.queue.shift();
      const page = this.page(p);
      if (page.state !== 'empty') continue;
      page.state = 'loading';
      this.active++;
      this.fetchPage(p, page)
        .then(() => this.onLoaded())
        .catch(() => {
          // Asked for again once in view after a pause (a server restarting, a lost connection).
          setTimeout(() => {
            page.state = 'empty';
            this.onLoaded();
          }, RETRY_MS);
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }

  async fetchPage(p, page) {
    const url = `/api/jobs/${this.jobId}/log?format=json&after=${p * PAGE}&limit=${PAGE}`;
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${res.status}`);
    for (const text of (await res.text()).split('\n')) {
      if (!text) continue;
      const line = JSON.parse(text);
      const i = (line.number - 1) % PAGE;
      if (!page.lines[i]) page.lines[i] = line;
    }
    page.state = 'fetched';
  }

  /** Drops the least recently used pages beyond KEEP. */
  evict() {
    if (this.pages.size <= KEEP) return;
    const byAge = [...this.pages].sort((a, b) => a[1].used - b[1].used);
    for (const [p, page] of byAge.slice(0, this.pages.size - KEEP))
      if (page.state !== 'loading') this.pages.delete(p);
  }
}
