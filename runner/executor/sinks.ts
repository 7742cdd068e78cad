import type { LogLine, LogSink } from '../runtime/index.js';
import type { ExecutorEvents } from './events.js';

/**
 * A LogSink that forwards every line to the executor's events under `source` and keeps the
 * last `keep` lines for error messages (a failing service, a failing step's output tail).
 */
export class ForwardingSink implements LogSink {
  private readonly last: string[] = [];

  constructor(
    private readonly events: ExecutorEvents,
    private readonly source: string,
    private readonly keep = 20,
  ) {}

  write(line: LogLine): void {
    this.last.push(line.text);
    if (this.last.length > this.keep) this.last.shift();
    this.events.log(this.source, line);
  }

  tail(): string {
    return this.last.join('\n');
  }
}
