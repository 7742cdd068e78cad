import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { LogEntry } from '../../pipelines/index.js';

/**
 * Where a finished job's log goes once it leaves Redis. `put` stores the whole log (replacing
 * any earlier copy, atomically: a reader sees the old one or the new one, never half); `get`
 * gives the entries after line `after` (default 0: all), or undefined when the job has none.
 */
export interface LogArchive {
  put(jobId: string, entries: AsyncIterable<LogEntry>): Promise<void>;
  get(jobId: string, opts?: { after?: number }): Promise<AsyncIterable<LogEntry> | undefined>;
  has(jobId: string): Promise<boolean>;
}

/** The archive's directory under a server data dir. */
export const logArchiveDir = (dataDir: string) => join(dataDir, 'logs');

/**
 * The default LogArchive: `<dataDir>/logs/<jobId>.jsonl.gz`, one JSON LogEntry a line, gzip
 * streamed both ways (a 100 MB log is never held in memory), written to a temp file and renamed.
 */
export function fileLogArchive(dataDir: string): LogArchive {
  const dir = logArchiveDir(dataDir);
  const file = (jobId: string) => join(dir, `${safeId(jobId)}.jsonl.gz`);
  return {
    async put(jobId, entries) {
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.${safeId(jobId)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await pipeline(Readable.from(ndjson(entries)), createGzip({ level: 3 }), createWriteStream(tmp));
        await rename(tmp, file(jobId));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(jobId, opts = {}) {
      // Open now, so an archive that exists at the call is read even if replaced meanwhile.
      const input = createReadStream(file(jobId));
      const opened = await new Promise<boolean>((resolve, reject) => {
        input.once('open', () => resolve(true));
        input.once('error', (err: NodeJS.ErrnoException) =>
          err.code === 'ENOENT' ? resolve(false) : reject(err),
        );
      });
      return opened ? readEntries(input, opts.after ?? 0) : undefined;
    },
    async has(jobId) {
      return (await stat(file(jobId)).catch(() => undefined)) !== undefined;
    },
  };
}

/** A LogArchive in memory, for tests (same contract as fileLogArchive). */
export function memoryLogArchive(): LogArchive & { readonly logs: Map<string, LogEntry[]> } {
  const logs = new Map<string, LogEntry[]>();
  return {
    logs,
    async put(jobId, entries) {
      const all: LogEntry[] = [];
      for await (const e of entries) all.push(e);
      logs.set(jobId, all);
    },
    async get(jobId, opts = {}) {
      const all = logs.get(jobId);
      if (!all) return undefined;
      const after = opts.after ?? 0;
      return (async function* () {
        for (const e of all) if (e.n > after) yield e;
      })();
    },
    async has(jobId) {
      return logs.has(jobId);
    },
  };
}

/** Job ids are `<run>-<n>`; anything else must never become a path. */
function safeId(jobId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
  return jobId;
}

async function* ndjson(entries: AsyncIterable<LogEntry>): AsyncGenerator<string> {
  let chunk = '';
  for await (const e of entries) {
    chunk += `${JSON.stringify(e)}\n`;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

async function* readEntries(input: NodeJS.ReadableStream, after: number): AsyncGenerator<LogEntry> {
  const lines = createInterface({ input: input.pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const text of lines) {
      if (!text) continue;
      const e = JSON.parse(text) as LogEntry;
      if (e.n > after) yield e;
    }
  } finally {
    lines.close();
    (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
}
