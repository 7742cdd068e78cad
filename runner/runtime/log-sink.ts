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
 * with the time its chunk was read. A line over 64 KiB is cut into pieces (on UTF-8 character
 * boundaries), each but the last marked `partial`. A final unterminated line is flushed at the
 * end. Resolves when the stream has ended or errored. Per chunk, the complete lines go to the
 * sink's `writeLines` at once if it has one; otherwise they are decoded in one go and split as
 * a string (a step printing a million lines costs little beyond them).
 */
export function pipeLines(source: Readable, stream: LogLine['stream'], sink: LogSink): Promise<void> {
  let pending: Buffer | undefined;
  const emit = (text: string, time: number) => sink.write({ stream, time, text });
  return new Promise((resolve) => {
    source.on('data', (chunk: Buffer) => {
      const time = Date.now();
      let data = chunk;
      if (pending) {
        // Only the line that the previous chunk left open is joined, not the whole chunk.
        const nl = chunk.indexOf(10);
        const head = chunk.subarray(0, nl === -1 ? chunk.length : nl);
        const joined = Buffer.concat([pending, head]);
        pending = undefined;
        if (nl === -1) data = joined;
        else {
          emit(joined.toString('utf8'), time);
          data = chunk.subarray(nl + 1);
        }
      }
      const end = data.lastIndexOf(10);
      if (end !== -1 && sink.writeLines && end <= MAX_LINE_BYTES) {
        // No line here can be over-long: the chunk's complete lines go as they are.
        let count = 1;
        for (let nl = data.indexOf(10); nl !== end; nl = data.indexOf(10, nl + 1)) count++;
        sink.writeLines({ stream, time, bytes: data.subarray(0, end), count });
        data = data.subarray(end + 1);
      } else if (end !== -1) {
        const text = data.toString('utf8', 0, end);
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          emit(text.slice(start, nl), time);
          start = nl + 1;
        }
        emit(start === 0 ? text : text.slice(start), time);
        data = data.subarray(end + 1);
      }
      while (data.length > MAX_LINE_BYTES) {
        const cut = charBoundary(data, MAX_LINE_BYTES);
        sink.write({ stream, time, text: data.toString('utf8', 0, cut), partial: true });
        data = data.subarray(cut);
      }
      if (data.length > 0) pending = Buffer.from(data);
      const wait = sink.ready?.();
      if (wait) {
        source.pause();
        void wait.then(() => source.resume());
      }
    });
    const finish = () => {
      if (pending) emit(pending.toString('utf8'), Date.now());
      pending = undefined;
      resolve();
    };
    source.once('end', finish);
    source.once('error', finish);
  });
}
