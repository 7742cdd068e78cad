import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export type FakeForgeKind = 'github' | 'gitlab' | 'gitea';

/** One status request the fake accepted as well-formed for its forge. */
export interface RecordedStatus {
  /** Path after the API base, still URL-encoded as sent (GitLab's project id is `a%2Fb`). */
  path: string;
  repo: string;
  commit: string;
  headers: IncomingHttpHeaders;
  body: { state: string; description?: string; target_url?: string; context?: string; name?: string };
  /** The HTTP status the fake answered. */
  answered: number;
}

/** A scripted answer for the next request: status, headers, body, and an optional delay. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export interface FakeForge {
  /** The API base to configure, e.g. `http://127.0.0.1:PORT/api/v4` for GitLab. */
  apiUrl: string;
  /** Well-formed status requests, in arrival order (also those answered with a scripted error). */
  requests: RecordedStatus[];
  /** Requests that break the forge's documented shape, with the reasons (should stay empty). */
  malformed: Array<{ method: string; path: string; problems: string }>;
  /** Answers for the next requests, in order; once used up every request gets 201. */
  script: ScriptedAnswer[];
}

const sha = '([0-9a-f]{40}|[0-9a-f]{64})';
const optionalText = z.string().optional();

/**
 * Each forge's documented request, as zod: path (below the API base), auth header and body.
 * GitHub: docs.github.com/en/rest/commits/statuses · GitLab: docs.gitlab.com/api/commits
 * ("Set the pipeline status of a commit") · Gitea: the `repoCreateStatus` operation of its
 * Swagger API (`CreateStatusOption`).
 */
const SHAPES = {
  github: {
    base: '/api/v3',
    path: new RegExp(`^/repos/([^/]+)/([^/]+)/statuses/${sha}$`),
    headers: (token: string) =>
      z.object({
        authorization: z.literal(`Bearer ${token}`),
        accept: z.literal('application/vnd.github+json'),
        'x-github-api-version': z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
        'content-type': z.string().startsWith('application/json'),
      }),
    body: z.strictObject({
      state: z.enum(['error', 'failure', 'pending', 'success']),
      target_url: z.url().optional(),
      description: z.string().max(140).optional(),
      context: optionalText,
    }),
  },
  gitlab: {
    base: '/api/v4',
    path: new RegExp(`^/projects/([^/]+)/statuses/${sha}$`),
    headers: (token: string) =>
      z.object({
        'private-token': z.literal(token),
        'content-type': z.string().startsWith('application/json'),
      }),
    body: z.strictObject({
      state: z.enum(['pending', 'running', 'success', 'failed', 'canceled']),
      ref: optionalText,
      name: optionalText,
      context: optionalText,
      target_url: z.url().optional(),
      description: z.string().max(255).optional(),
      coverage: z.number().optional(),
      pipeline_id: z.number().optional(),
    }),
  },
  gitea: {
    base: '/api/v1',
    path: new RegExp(`^/repos/([^/]+)/([^/]+)/statuses/${sha}$`),
    headers: (token: string) =>
      z.object({
        authorization: z.literal(`token ${token}`),
        'content-type': z.string().startsWith('application/json'),
      }),
    body: z.strictObject({
      state: z.enum(['pending', 'success', 'error', 'failure', 'warning']),
      target_url: z.url().optional(),
      description: optionalText,
      context: optionalText,
    }),
  },
};

function problems(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/**
 * A forge's commit-status endpoint on 127.0.0.1, closed after the enclosing suite. It checks
 * every request against the forge's documented shape (method, path, auth header carrying
 * `token`, JSON body fields and allowed states): a malformed one is answered 422 and listed in
 * `malformed`; a well-formed one is recorded in `requests` and answered from `script`, else 201.
 */
export async function startFakeForge(forge: FakeForgeKind, token: string): Promise<FakeForge> {
  const shape = SHAPES[forge];
  const fake: FakeForge = { apiUrl: '', requests: [], malformed: [], script: [] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = req.url ?? '/';
      const path = raw.startsWith(shape.base) ? raw.slice(shape.base.length) : raw;
      const refuse = (why: string) => {
        fake.malformed.push({ method: req.method ?? '', path: raw, problems: why });
        res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ message: why }));
      };
      const m = shape.path.exec(path);
      if (req.method !== 'POST' || !raw.startsWith(shape.base) || !m)
        return refuse(`no route ${req.method} ${raw}`);
      const headers = shape.headers(token).safeParse(req.headers);
      if (!headers.success) return refuse(`headers: ${problems(headers.error)}`);
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse('body is not JSON');
      }
      const body = shape.body.safeParse(json);
      if (!body.success) return refuse(`body: ${problems(body.error)}`);
      const answer = fake.script.shift() ?? { status: 201, body: { id: fake.requests.length + 1 } };
      const repo = forge === 'gitlab' ? decodeURIComponent(m[1] ?? '') : `${m[1]}/${m[2]}`;
      fake.requests.push({
        path,
        repo,
        commit: m[forge === 'gitlab' ? 2 : 3] ?? '',
        headers: req.headers,
        body: body.data,
        answered: answer.status,
      });
      if (answer.delayMs) await sleep(answer.delayMs);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  fake.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${shape.base}`;
  return fake;
}
