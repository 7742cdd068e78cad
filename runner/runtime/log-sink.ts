import type { Readable } from 'node:stream';
import type { LogLine, LogSink } from './types.js';

/** Keeps every line in memory, in arrival order. For tests and small tools. */
export class MemoryLogSink implements LogSink {
  readonly lines: LogLine[] = [];

  write(line: LogLine): void {
    this.lines.push(line);
  }

  /** The text of one stream (or both, interleaved as received), one line per '\n'. */
  text(stream?: LogLine['stream']): string {
    return this.lines
      .filter((l) => !stream || l.stream === stream)
      .map((l) => `${l.text}\n`)
      .join('');
  }
}

/** Longest line kept in one piece; longer lines are split so one process cannot exhaust memory. */
const MAX_LINE_BYTES = 64 * 1024;

/** `at`, moved back to the start of the UTF-8 character it falls inside (never to 0). */
function charBoundary(buf: Buffer, at: number): number {
  let i = at;
  while (i > at - 3 && ((buf[i] as number) & 0xc0) === 0x80) i--;
  return i > 0 ? i : at;
}

/**
 * Reads `source` to its end, writing each '\n'-terminated line (without the '\n') to `sink`
 * with the time it was read. A line over 64 KiB is cut into pieces (on UTF-8 character
 * boundaries), each but the last marked `partial`. A final unterminated line is flushed at the
 * end. Resolves when the stream has ended or errored.
 */
export function pipeLines(source: Readable, stream: LogLine['stream'], sink: LogSink): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  const emit = (buf: Buffer, partial = false) =>
    sink.write({
      stream,
      time: Date.now(),
      text: buf.toString('utf8'),
      ...(partial ? { partial: true as const } : {}),
    });
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let nl = data.indexOf(10);
      while (nl !== -1) {
        emit(data.subarray(0, nl));
        data = data.subarray(nl + 1);
        nl = data.indexOf(10);
      }
      while (data.length > MAX_LINE_BYTES) {
        const cut = charBoundary(data, MAX_LINE_BYTES);
        emit(data.subarray(0, cut), true);
        data = data.subarray(cut);
      }
      pending = Buffer.from(data);
    });
    const finish = () => {
      if (pending.length) emit(pending);
      pending = Buffer.alloc(0);
      resolve();
    };
    source.once('end', finish);
    source.once('error', finish);
  });
}
