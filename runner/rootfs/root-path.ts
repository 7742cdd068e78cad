import { chownSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';

const MAX_SYMLINKS = 40;

/**
 * Resolves the container path `path` against the host directory `root` the way the container
 * would see it: every symlink (absolute or relative) is followed *inside* `root`, and `..` never
 * climbs above it. Returns a host path under `root`; missing trailing components are kept as is.
 * Use it before reading or creating anything in an image's root fs on the host side, where a
 * hostile image could point /etc/passwd at a host file. (Synchronous fs calls inside: a few
 * lstats per container start are much cheaper than thread-pool round trips.)
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  let pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = posix.join(root, ...done, part);
    const st = lstatSync(host, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) {
      done.push(part);
      if (!st) {
        // Nothing more to follow: the rest does not exist yet.
        done.push(...pending.filter((p) => p !== '.'));
        return posix.join(root, ...posix.normalize(`/${done.join('/')}`).split('/'));
      }
      continue;
    }
    if (++links > MAX_SYMLINKS)
      throw new SlipwayError(`too many symlinks resolving ${path} in the image`, { context: { path } });
    const target = readlinkSync(host);
    const targetParts = target.split('/').filter(Boolean);
    if (target.startsWith('/')) done.length = 0;
    pending = [...targetParts, ...pending];
  }
  return posix.join(root, ...done);
}

/**
 * Creates the container directory `path` under `root` (symlinks resolved inside the root),
 * with `uid`/`gid` as owner of the directories it creates. Returns the host path.
 */
export async function mkdirInRoot(
  root: string,
  path: string,
  owner?: { uid: number; gid: number },
): Promise<string> {
  const parts = posix.normalize(`/${path}`).split('/').filter(Boolean);
  let current = '/';
  let host = root;
  for (const part of parts) {
    current = posix.join(current, part);
    host = await resolveInRoot(root, current);
    const st = lstatSync(host, { throwIfNoEntry: false });
    if (st && !st.isDirectory())
      throw new SlipwayError(`${current} exists in the image and is not a directory`, { context: { path } });
    if (!st) {
      mkdirSync(host, { mode: 0o755 });
      if (owner) chownSync(host, owner.uid, owner.gid);
    }
  }
  return host;
}
