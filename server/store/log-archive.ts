import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { processAlive } from '../../lib/proc.js';
import type { LogEntry, LogStreamEntry } from '../../pipelines/index.js';
import { decodeArchive, encodeArchive } from './archive-format.js';
import { linesAfter } from './log-lines.js';

/**
 * Where a finished job's log goes once it leaves Redis. `put` stores the log's stream entries
 * as they are (replacing any earlier copy, atomically: a reader sees the old one or the new
 * one, never half); `get` gives the lines after line `after` (default 0: all) in batches, read
 * exactly as a live stream is (server/store/log-lines.ts), or undefined when the job has none.
 */
export interface LogArchive {
  put(jobId: string, entries: AsyncIterable<LogStreamEntry>): Promise<void>;
  get(jobId: string, opts?: { after?: number }): Promise<AsyncIterable<LogEntry[]> | undefined>;
  /** The stored entries as they were put, in order (each read starts anew); undefined when none. */
  entries(jobId: string): Promise<AsyncIterable<LogStreamEntry> | undefined>;
  has(jobId: string): Promise<boolean>;
}

/** The archive's directory under a server data dir. */
export const logArchiveDir = (dataDir: string) => join(dataDir, 'logs');

/**
 * The default LogArchive: `<dataDir>/logs/<jobId>.log`, one stream entry a record (a JSON
 * header line, then its text as raw bytes: archive-format.ts), as the runner sent it (a large
 * text already compressed; gzip over that cost the server more CPU than the rest of the copy),
 * streamed both ways (a 100 MB log is never held in memory), written to a temp file named after the writing process and renamed. The temp
 * files of processes no longer alive (a server killed mid-copy) are removed when an archive is
 * opened on the dir. Archives of earlier versions (`<jobId>.jsonl.gz`, gzipped) still read, and
 * a new put removes one.
 */
export function fileLogArchive(dataDir: string): LogArchive {
  const dir = logArchiveDir(dataDir);
  const file = (jobId: string) => join(dir, `${safeId(jobId)}.log`);
  /** Where archives of earlier versions are: the same records, gzipped. */
  const gzFile = (jobId: string) => join(dir, `${safeId(jobId)}.jsonl.gz`);
  void removeDeadTemps(dir);
  const entries = async (jobId: string) => {
    // Open now, so an archive that exists at the call is read even if replaced meanwhile.
    const plain = await openIfThere(file(jobId));
    const input = plain ?? (await openIfThere(gzFile(jobId)))?.pipe(createGunzip({ chunkSize: 256 * 1024 }));
    return input ? readEntries(input) : undefined;
  };
  return {
    async put(jobId, entries) {
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.${safeId(jobId)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await pipeline(Readable.from(encodeArchive(entries)), createWriteStream(tmp));
        await rename(tmp, file(jobId));
        await rm(gzFile(jobId), { force: true });
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(jobId, opts = {}) {
      const stored = await entries(jobId);
      return stored ? linesAfter(stored, opts.after ?? 0, jobId) : undefined;
    },
    entries,
    async has(jobId) {
      const there = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;
      return (await there(file(jobId))) || there(gzFile(jobId));
    },
  };
}

/** A LogArchive in memory, for tests (same contract as fileLogArchive). */
export function memoryLogArchive(): LogArchive & { readonly logs: Map<string, LogStreamEntry[]> } {
  const logs = new Map<string, LogStreamEntry[]>();
  return {
    logs,
    async put(jobId, entries) {
      const all: LogStreamEntry[] = [];
      for await (const e of entries) all.push(e);
      logs.set(jobId, all);
    },
    async get(jobId, opts = {}) {
      const all = logs.get(jobId);
      return all ? linesAfter(all, opts.after ?? 0, jobId) : undefined;
    },
    async entries(jobId) {
      const all = logs.get(jobId);
      return all
        ? (async function* () {
            yield* all;
          })()
        : undefined;
    },
    async has(jobId) {
      return logs.has(jobId);
    },
  };
}

/** Removes the temp files in `dir` whose writing process has ended (best effort). */
async function removeDeadTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(/^\.[A-Za-z0-9_-]+\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)?.[1]);
    if (pid && !processAlive(pid)) await rm(join(dir, name), { force: true }).catch(() => {});
  }
}

/** Job ids are `<run>-<n>`; anything else must never become a path. */
function safeId(jobId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(jobId)) throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
  return jobId;
}

/** The file at `path` opened for reading; undefined when there is none. */
async function openIfThere(path: string): Promise<NodeJS.ReadableStream | undefined> {
  const input = createReadStream(path, { highWaterMark: 256 * 1024 });
  const opened = await new Promise<boolean>((resolve, reject) => {
    input.once('open', () => resolve(true));
    input.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? resolve(false) : reject(err),
    );
  });
  return opened ? input : undefined;
}

/** The stream entries of an archive's bytes, in order (see archive-format.ts). */
async function* readEntries(input: NodeJS.ReadableStream): AsyncGenerator<LogStreamEntry> {
  try {
    yield* decodeArchive(input as AsyncIterable<Buffer>);
  } finally {
    (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
  }
}
