import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { log as rootLog } from '../../lib/log.js';
import { type LogEntry, wireKeys } from '../../pipelines/index.js';
import { FINAL_JOB_STATES, readLog } from '../store/index.js';
import { apiLine, type LogRouteDeps } from './log-deps.js';

const log = rootLog.child({ module: 'api/logs' });

/**
 * The SSE response of `GET /api/jobs/:id/log/stream`: `line` events (id = line number) after
 * line `after`, live until the job is final, then `end` with its state. Ends with the client.
 */
export function followLog(c: Context, deps: LogRouteDeps, jobId: string, after: number): Response {
  return streamSSE(
    c,
    (stream) => follow(deps, jobId, after, stream),
    async (err) => {
      log.warn({ err, jobId }, 'log stream ended by an error');
    },
  );
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
