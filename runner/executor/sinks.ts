import type { LogLine, LogLines, LogSink } from '../runtime/index.js';
import type { ExecutorEvents } from './events.js';
import type { SecretMasker } from './secret-mask.js';

/**
 * A LogSink that forwards every line to the executor's events under `source`, with the job's
 * secrets masked, and keeps the last `keep` (masked) lines for error messages (a failing
 * service, a failing step's output tail). A line the runtime cut into pieces (`partial`) is
 * re-cut so that no secret is split between two pieces: the end of a piece that could begin a
 * secret is held back and joined to the next piece of the same stream.
 */
export class ForwardingSink implements LogSink {
  private readonly last: string[] = [];
  private readonly held: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };

  constructor(
    private readonly events: ExecutorEvents,
    private readonly source: string,
    private readonly masker?: SecretMasker,
    private readonly keep = 20,
  ) {}

  write(line: LogLine): void {
    const m = this.masker;
    let text = this.held[line.stream] + line.text;
    this.held[line.stream] = '';
    if (m?.active) {
      if (line.partial) {
        const cut = m.safeCut(text, text.length - m.longest + 1);
        this.held[line.stream] = text.slice(cut);
        text = text.slice(0, cut);
        if (!text) return;
      }
      text = m.mask(text);
    }
    this.last.push(text);
    if (this.last.length > this.keep) this.last.shift();
    this.events.log(this.source, { stream: line.stream, time: line.time, text });
  }

  writeLines(lines: LogLines): void {
    const { stream, time, bytes, count } = lines;
    if (!this.events.logLines || this.masker?.active) {
      for (const text of bytes.toString('utf8').split('\n')) this.write({ stream, time, text });
      return;
    }
    this.events.logLines(this.source, lines);
    // The last `keep` lines, for the tail.
    let from = bytes.length;
    let k = 0;
    for (; k < this.keep && from > 0; k++) from = bytes.lastIndexOf(10, from - 1);
    if (from === 0 && k < this.keep) from = -1; // the first line is empty and wanted too
    const last = bytes.toString('utf8', from + 1).split('\n');
    if (count >= this.keep) this.last.length = 0;
    this.last.push(...last);
    if (this.last.length > this.keep) this.last.splice(0, this.last.length - this.keep);
  }

  ready(): Promise<void> | undefined {
    return this.events.ready?.();
  }

  tail(): string {
    return this.last.join('\n');
  }
}
