import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readlink, realpath, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { glob } from 'tinyglobby';
import { SlipwayError } from '../../lib/errors.js';

/** The default limit of one job's artifacts, counted by apparent size: 1 GiB. */
export const DEFAULT_ARTIFACTS_LIMIT_BYTES = 1024 ** 3;

/** How artifacts are saved: the per-job size limit and the job's signal (timeout or cancel). */
export interface ArtifactOptions {
  /** Total apparent size (st_size) of a job's artifacts; default DEFAULT_ARTIFACTS_LIMIT_BYTES. */
  limitBytes?: number;
  /** Stops the copy (the job's timeout or cancel); what was copied so far is removed. */
  signal?: AbortSignal;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** `1 GiB`, `1.5 GiB`, `512 MiB`, `300 bytes`. */
export function formatSize(n: number): string {
  if (n >= GiB) return `${+(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return `${+(n / MiB).toFixed(2)} MiB`;
  return `${n} bytes`;
}

function limitError(limit: number, rel: string, total: number): SlipwayError {
  return new SlipwayError(
    `artifacts exceed the job's limit of ${formatSize(limit)} at ${rel} (${formatSize(total)} so far, counted by apparent size)`,
    { context: { artifact: rel, limitBytes: limit } },
  );
}

/**
 * Copies the workspace files matching `patterns` (workspace-relative globs) to `destDir`,
 * keeping their relative paths, and returns the kept paths. Only regular files inside the
 * workspace are kept: symlinks are not followed, FIFOs, sockets and device nodes are skipped
 * (opened with O_NOFOLLOW|O_NONBLOCK, so nothing can block the copy), and copies get only the
 * permission bits (mode & 0o777: no setuid, setgid or sticky bit). The total apparent size is
 * checked against `limitBytes` before anything is copied (a sparse file counts its full size)
 * and again while copying (a file that grows is cut off); over it, or when `signal` aborts,
 * `destDir` is removed and the call throws.
 */
export async function collectArtifacts(
  workspace: string,
  patterns: string[],
  destDir: string,
  opts: ArtifactOptions = {},
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const limit = opts.limitBytes ?? DEFAULT_ARTIFACTS_LIMIT_BYTES;
  const base = resolve(workspace);
  const matches = await glob(patterns, { cwd: base, dot: true, onlyFiles: true, followSymbolicLinks: false });
  const files: string[] = [];
  let total = 0;
  for (const rel of matches.sort()) {
    opts.signal?.throwIfAborted();
    const abs = resolve(base, rel);
    if (!abs.startsWith(base + sep)) continue;
    const st = await lstat(abs).catch(() => undefined);
    if (!st?.isFile()) continue;
    total += st.size;
    if (total > limit) throw limitError(limit, relative(base, abs), total);
    files.push(relative(base, abs));
  }
  const kept: string[] = [];
  const realBase = await realpath(base);
  try {
    let copied = 0;
    for (const rel of files) {
      const n = await copyRegularFile(realBase, rel, join(destDir, rel), limit - copied, opts.signal);
      if (n === undefined) continue;
      copied += n;
      kept.push(rel);
    }
  } catch (err) {
    await rm(destDir, { recursive: true, force: true });
    if (err instanceof RangeError) throw limitError(limit, err.message, limit + 1);
    throw err;
  }
  return kept;
}

/**
 * Copies `<base>/<rel>` to `out` if it is (still) a regular file inside `base`, at most
 * `budget` bytes (a RangeError naming `rel` beyond). Returns the bytes copied, or undefined
 * when the file is no longer a regular file inside the workspace.
 */
async function copyRegularFile(
  base: string,
  rel: string,
  out: string,
  budget: number,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
  const src = await open(join(base, rel), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => undefined);
  if (!src) return undefined;
  try {
    const st = await src.stat();
    // a parent dir swapped for a symlink after the glob would lead outside: check where the fd is
    const real = await readlink(`/proc/self/fd/${src.fd}`);
    if (!st.isFile() || !real.startsWith(base + sep)) return undefined;
    await mkdir(dirname(out), { recursive: true });
    const dst = await open(out, 'wx', 0o600);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        done(bytes > budget ? new RangeError(rel) : null, chunk);
      },
    });
    // both streams close their handles; `out` is ours (created just now with O_EXCL)
    await pipeline(src.createReadStream({ start: 0 }), counter, dst.createWriteStream(), {
      ...(signal ? { signal } : {}),
    });
    await chmod(out, st.mode & 0o777);
    return bytes;
  } finally {
    await src.close().catch(() => {});
  }
}
