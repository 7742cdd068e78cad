import { type Context, Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { log as rootLog } from '../../lib/log.js';
import { GlobalJobIdSchema, type LogEntry, wireKeys } from '../../pipelines/index.js';
import { FINAL_JOB_STATES, type JobRecord, type LogArchive, readLog } from '../store/index.js';

const log = rootLog.child({ module: 'api/logs' });

/** What the log routes need from the server. */
export interface LogRouteDeps {
  redis: Redis;
  archive: LogArchive;
  job(jobId: string): Promise<JobRecord | undefined>;
  /** Whether the request may read this job (public repository, or a valid token). */
  canRead(c: Context, job: JobRecord): Promise<boolean>;
  /** Longest XREAD BLOCK of a live reader before it re-checks the job (default 2 s). */
  blockMs?: number;
  /** Idle time after which a `: ping` comment is sent (default 15 s). */
  heartbeatMs?: number;
}

/** A log line as the API shows it (JSON formats and SSE data). */
export function apiLine(e: LogEntry) {
  return { number: e.n, step: e.source, stream: e.stream, time: e.time, text: e.text };
}

const QuerySchema = z.object({
  format: z.enum(['text', 'json']).default('text'),
  after: z.coerce.number().int().nonnegative().optional(),
});

/**
 * `GET /:id/log` (text, or NDJSON with `?format=json`) and `GET /:id/log/stream` (SSE), to be
 * mounted under `/api/jobs`. Both stream: a 100 MB log is never held in memory.
 */
export function logRoutes(deps: LogRouteDeps): Hono {
  const app = new Hono();
  const open = async (c: Context) => {
    const id = c.req.param('id') ?? '';
    const job = GlobalJobIdSchema.safeParse(id).success ? await deps.job(id) : undefined;
    if (!job) return { error: c.json({ error: 'not_found', message: `no job ${JSON.stringify(id)}` }, 404) };
    if (!(await deps.canRead(c, job)))
      return {
        error: c.json({ error: 'unauthorized', message: 'reading this job needs a valid API token' }, 401),
      };
    const q = QuerySchema.safeParse(c.req.query());
    if (!q.success)
      return { error: c.json({ error: 'bad_request', message: z.prettifyError(q.error) }, 400) };
    return { job, query: q.data };
  };

  app.get('/:id/log', async (c) => {
    const o = await open(c);
    if (o.error) return o.error;
    const json = o.query.format === 'json';
    const batches = readLog(deps.redis, deps.archive, o.job.id, { after: o.query.after ?? 0 });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        let chunk = '';
        while (chunk.length < 64 * 1024) {
          const next = await batches.next();
          if (next.done) break;
          if (json) for (const e of next.value) chunk += `${JSON.stringify(apiLine(e))}\n`;
          else for (const e of next.value) chunk += `${e.text}\n`;
        }
        if (chunk) ctl.enqueue(encoder.encode(chunk));
        else ctl.close();
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    c.header('Content-Type', json ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8');
    return c.body(body);
  });

  app.get('/:id/log/stream', async (c) => {
    const o = await open(c);
    if (o.error) return o.error;
    const fromHeader = Number(c.req.header('Last-Event-ID'));
    const after = Number.isInteger(fromHeader) && fromHeader > 0 ? fromHeader : (o.query.after ?? 0);
    const jobId = o.job.id;
    return streamSSE(
      c,
      (stream) => follow(deps, jobId, after, stream),
      async (err) => {
        log.warn({ err, jobId }, 'log stream ended by an error');
      },
    );
  });
  return app;
}

/**
 * Sends every line after `after`, then waits for more (XREAD BLOCK on its own connection,
 * bounded, re-checking the job) until the job is final and every line is sent, then `end`.
 */
async function follow(
  deps: LogRouteDeps,
  jobId: string,
  after: number,
  stream: SSEStreamingApi,
): Promise<void> {
  const blockMs = deps.blockMs ?? 2000;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  let last = after;
  let lastWrite = Date.now();
  const waiter = deps.redis.duplicate();
  stream.onAbort(() => waiter.disconnect());
  const sendAll = async () => {
    for await (const batch of readLog(deps.redis, deps.archive, jobId, { after: last })) {
      if (stream.aborted) return;
      await stream.write(sseLines(batch));
      last = (batch.at(-1) as LogEntry).n;
      lastWrite = Date.now();
    }
  };
  try {
    while (!stream.aborted) {
      await sendAll();
      const job = await deps.job(jobId);
      if (job && FINAL_JOB_STATES.includes(job.state)) {
        await sendAll(); // lines stored before the state changed are all there now
        if (!stream.aborted)
          await stream.writeSSE({ event: 'end', data: JSON.stringify({ state: job.state }) });
        return;
      }
      if (Date.now() - lastWrite >= heartbeatMs) {
        await stream.write(': ping\n\n');
        lastWrite = Date.now();
      }
      const wait = Math.max(1, Math.min(blockMs, heartbeatMs - (Date.now() - lastWrite)));
      await waiter
        .xread('COUNT', 1, 'BLOCK', wait, 'STREAMS', wireKeys.log(jobId), `0-${last}`)
        .catch((err: Error) => {
          if (!stream.aborted) throw err;
        });
    }
  } finally {
    waiter.disconnect();
  }
}

/**
 * The `line` events of `batch`, written at once: what `writeSSE({ event, data, id })` writes
 * for each (the JSON data holds no line break, so it is one `data:` line).
 */
function sseLines(batch: readonly LogEntry[]): string {
  let out = '';
  for (const e of batch) out += `event: line\ndata: ${JSON.stringify(apiLine(e))}\nid: ${e.n}\n\n`;
  return out;
}
