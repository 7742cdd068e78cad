import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { GlobalJobIdSchema } from '../../pipelines/index.js';
import { logOutline, readLog, searchLog } from '../store/index.js';
import { apiLine, type LogRouteDeps } from './log-deps.js';
import { followLog } from './log-stream.js';

const QuerySchema = z.object({
  format: z.enum(['text', 'json']).default('text'),
  after: z.coerce.number().int().nonnegative().optional(),
  /** At most this many lines (default: all). */
  limit: z.coerce.number().int().positive().optional(),
});

const SearchSchema = z.object({
  q: z.string().min(1, 'a search needs a text (q)').max(1000),
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().positive().max(10_000).default(1000),
});

/**
 * A job's log, to be mounted under `/api/jobs`: `GET /:id/log` (text, or NDJSON with
 * `?format=json`; `after` and `limit` give a window of lines), `GET /:id/log/outline` (line
 * count and sections, no text), `GET /:id/log/search?q=` (matching line numbers, with the
 * count) and `GET /:id/log/stream` (SSE, live). Reads stream: a 100 MB log is never held in
 * memory.
 */
export function logRoutes(deps: LogRouteDeps): Hono {
  const app = new Hono();
  const open = async <T extends z.ZodType>(c: Context, schema: T) => {
    const id = c.req.param('id') ?? '';
    const job = GlobalJobIdSchema.safeParse(id).success ? await deps.job(id) : undefined;
    if (!job) return { error: c.json({ error: 'not_found', message: `no job ${JSON.stringify(id)}` }, 404) };
    if (!(await deps.canRead(c, job)))
      return {
        error: c.json({ error: 'unauthorized', message: 'reading this job needs a valid API token' }, 401),
      };
    const q = schema.safeParse(c.req.query());
    if (!q.success)
      return { error: c.json({ error: 'bad_request', message: z.prettifyError(q.error) }, 400) };
    return { job, query: q.data as z.infer<T> };
  };

  app.get('/:id/log', async (c) => {
    const o = await open(c, QuerySchema);
    if (o.error) return o.error;
    const json = o.query.format === 'json';
    let left = o.query.limit ?? Number.POSITIVE_INFINITY;
    const batches = readLog(deps.redis, deps.archive, o.job.id, { after: o.query.after ?? 0 });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        let chunk = '';
        while (chunk.length < 64 * 1024 && left > 0) {
          const next = await batches.next();
          if (next.done) break;
          const lines = next.value.length > left ? next.value.slice(0, left) : next.value;
          left -= lines.length;
          if (json) for (const e of lines) chunk += `${JSON.stringify(apiLine(e))}\n`;
          else for (const e of lines) chunk += `${e.text}\n`;
        }
        if (chunk) ctl.enqueue(encoder.encode(chunk));
        else {
          ctl.close();
          await batches.return(undefined);
        }
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    c.header('Content-Type', json ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8');
    return c.body(body);
  });

  app.get('/:id/log/outline', async (c) => {
    const o = await open(c, z.object({}));
    if (o.error) return o.error;
    return c.json({ ...(await logOutline(deps.redis, deps.archive, o.job.id)), state: o.job.state });
  });

  app.get('/:id/log/search', async (c) => {
    const o = await open(c, SearchSchema);
    if (o.error) return o.error;
    const { q, after, limit } = o.query;
    return c.json({
      query: q,
      ...(await searchLog(deps.redis, deps.archive, o.job.id, q, { after, limit })),
    });
  });

  app.get('/:id/log/stream', async (c) => {
    const o = await open(c, QuerySchema);
    if (o.error) return o.error;
    const fromHeader = Number(c.req.header('Last-Event-ID'));
    const after = Number.isInteger(fromHeader) && fromHeader > 0 ? fromHeader : (o.query.after ?? 0);
    return followLog(c, deps, o.job.id, after);
  });
  return app;
}
