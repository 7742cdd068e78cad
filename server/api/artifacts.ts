import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import { Hono } from 'hono';
import type { ArtifactFiles, JobRecord } from '../store/index.js';
import type { ApiEnv, AuthDeps } from './auth.js';
import { ApiError } from './errors.js';
import { jobAccess } from './jobs.js';

/** What the artifact routes read: the jobs, and the local copies of uploaded artifacts (absent: no `--artifact-registry`). */
export interface ArtifactRouteDeps extends AuthDeps {
  artifactFiles?: ArtifactFiles;
}

/** The URL path of one artifact of job `jobId` (each path segment percent-encoded). */
export function artifactUrl(jobId: string, path: string): string {
  return `/api/jobs/${jobId}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * `GET /api/jobs/:id/artifacts` (mounted at `/api/jobs`): the job's artifacts, `{files: [{path,
 * size, url}], stored, runner}`; `stored` is false when its runner kept them on its own host
 * (no `--artifact-registry` there). `GET /api/jobs/:id/artifacts/<path>`: one of those files,
 * byte for byte, as an attachment (`application/octet-stream`, nosniff, a sandboxing CSP: a
 * file a job made never runs in a viewer's page). Only a path in the job's list is served, and
 * only as a regular file inside the job's copy. Read access as for the job.
 */
export function artifactRoutes(deps: ArtifactRouteDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const { find, read } = jobAccess(deps);
  const jobOf = async (id: string | undefined): Promise<JobRecord> => {
    const job = await find(id);
    if (!job) throw new ApiError(404, 'not_found', `no job ${JSON.stringify(id ?? '')}`);
    return job;
  };

  app.get('/:id/artifacts', read, async (c) => {
    const job = await jobOf(c.req.param('id'));
    const sizes = new Map(job.artifactsStored?.files.map((f) => [f.path, f.size]));
    return c.json({
      stored: job.artifactsStored !== undefined,
      ...(job.runner ? { runner: job.runner } : {}),
      files: (job.artifacts ?? []).map((path) => ({
        path,
        ...(sizes.has(path) ? { size: sizes.get(path) } : {}),
        url: artifactUrl(job.id, path),
      })),
    });
  });

  app.get('/:id/artifacts/*', read, async (c) => {
    const job = await jobOf(c.req.param('id'));
    const path = artifactPath(new URL(c.req.url).pathname, job.id);
    if (!job.artifacts?.includes(path))
      throw new ApiError(404, 'not_found', `job ${job.id} has no artifact ${JSON.stringify(path)}`);
    const stored = job.artifactsStored;
    if (!stored)
      throw new ApiError(
        404,
        'not_found',
        `the artifacts of job ${job.id} were not uploaded: they are on the host of runner ${job.runner ?? '?'} (start runners with --artifact-registry)`,
      );
    if (!deps.artifactFiles)
      throw new ApiError(
        404,
        'not_found',
        'this server has no artifact registry to read artifacts from (start it with --artifact-registry)',
      );
    const dir = await deps.artifactFiles.dir(stored).catch((err: Error) => {
      throw new ApiError(
        502,
        'registry_error',
        `the artifact registry did not give job ${job.id}'s artifacts: ${err.message}`,
      );
    });
    const file = await openInside(dir, path);
    const size = (await file.stat()).size;
    const body = Readable.toWeb(file.createReadStream()) as ReadableStream;
    return c.body(body, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': contentDisposition(basename(path)),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
      'cache-control': 'private, max-age=86400, immutable',
    });
  });

  return app;
}

/** The artifact path of request path `pathname` (after `/artifacts/`), decoded; a 400 when it does not decode. */
function artifactPath(pathname: string, jobId: string): string {
  const marker = `/${jobId}/artifacts/`;
  const raw = pathname.slice(pathname.indexOf(marker) + marker.length);
  try {
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new ApiError(400, 'invalid_input', 'the artifact path is not valid percent-encoding');
  }
}

/** `path` under `dir` opened for reading, when it is a regular file whose real path is inside `dir`; else a 404. */
async function openInside(dir: string, path: string) {
  const gone = () =>
    new ApiError(404, 'not_found', `artifact ${JSON.stringify(path)} is not in the job's copy`);
  const root = await realpath(dir);
  const real = await realpath(join(root, path)).catch(() => undefined);
  if (!real?.startsWith(root + sep)) throw gone();
  const file = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => {
      throw gone();
    },
  );
  if (!(await file.stat()).isFile()) {
    await file.close();
    throw gone();
  }
  return file;
}
