import {
  lchownSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { chmod, chown, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { spawnOwned } from '../../lib/proc.js';
import { dataDirPaths } from '../data-dir.js';

/**
 * User-namespace remapping of steps (`slipway exec --userns`): a container's uid/gid 0..size-1
 * are the host's hostId..hostId+size-1, so a step's root is an unprivileged host user.
 */
export interface UsernsMapping {
  /** The first host uid and gid of the range (container root). */
  hostId: number;
  /** How many ids are mapped (container ids 0..size-1). */
  size: number;
}

/** A mapping made ready on this host: `fd` is a user namespace with that mapping (for idmapped mounts). */
export interface UsernsContext extends UsernsMapping {
  fd: number;
}

/**
 * The default range: the `slipway` user's first range in /etc/subuid (and /etc/subgid, which
 * must start at the same id), else host ids 100000-165535, the range Debian gives the first user.
 */
export function defaultUsernsMapping(subuid = '/etc/subuid', subgid = '/etc/subgid'): UsernsMapping {
  const first = (file: string) => {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {}
    const m = /^slipway:(\d+):(\d+)$/m.exec(text);
    return m ? { hostId: Number(m[1]), size: Number(m[2]) } : undefined;
  };
  const u = first(subuid);
  const g = first(subgid);
  if (u && g && u.hostId === g.hostId) return { hostId: u.hostId, size: Math.min(u.size, g.size) };
  return { hostId: 100000, size: 65536 };
}

/** Refuses ranges that would map a host system id or overlap the container ids themselves. */
export function checkUsernsMapping(m: UsernsMapping): void {
  const ok = (n: number) => Number.isInteger(n) && n > 0;
  if (!ok(m.hostId) || !ok(m.size) || m.size < 1000 || m.hostId < m.size || m.hostId + m.size > 2 ** 32 - 1)
    throw new SlipwayError(
      `invalid user namespace range ${m.hostId}+${m.size}: it needs at least 1000 ids, starting at or above its size (e.g. 100000+65536)`,
      { category: 'permanent' },
    );
}

/**
 * Opens a user namespace with the mapping (a short-lived `unshare --user` child whose uid_map
 * and gid_map this process writes), and lets the mapped root reach the container root fses:
 * the data dir, runtime/ and runtime/c/ become 0710 with the range's first gid as group, so
 * that gid may traverse them and no other local user may (runc resolves the root fs path as
 * the container's root; bind sources it opens as host root).
 */
export async function openUserns(dataDir: string, m: UsernsMapping): Promise<UsernsContext> {
  checkUsernsMapping(m);
  await checkAncestorsSearchable(dataDir);
  for (const dir of [dataDir, dataDirPaths.runtime(dataDir), dataDirPaths.containers(dataDir)]) {
    const st = await stat(dir);
    if (st.uid !== 0) continue; // not ours to change (a data dir of another owner)
    await chown(dir, 0, m.hostId);
    await chmod(dir, 0o710);
  }
  const own = readlinkSync('/proc/self/ns/user');
  const child = spawnOwned('unshare', ['--user', '--', 'sleep', '30'], { name: 'userns' });
  try {
    const pid = child.child.pid;
    if (pid === undefined) throw new Error(child.output() || 'unshare did not start');
    const deadline = Date.now() + 5000;
    while (readNs(pid) === own || readNs(pid) === undefined) {
      if (Date.now() > deadline) throw new Error(`unshare --user did not start: ${child.output()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    writeFileSync(`/proc/${pid}/uid_map`, `0 ${m.hostId} ${m.size}\n`);
    writeFileSync(`/proc/${pid}/gid_map`, `0 ${m.hostId} ${m.size}\n`);
    return { ...m, fd: openSync(`/proc/${pid}/ns/user`, 'r') };
  } catch (err) {
    throw new SlipwayError(`cannot create a user namespace (--userns): ${(err as Error).message}`, {
      category: 'internal',
      cause: err,
    });
  } finally {
    await child.stop(0);
  }
}

/** Every dir above the data dir must let others search it (as /var/lib does), or runc cannot reach a root fs. */
async function checkAncestorsSearchable(dataDir: string): Promise<void> {
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    const st = await stat(dir);
    if ((st.mode & 0o001) === 0)
      throw new SlipwayError(
        `--userns: ${dir} (above the data dir) is mode ${(st.mode & 0o777).toString(8)}, so the steps' mapped root cannot reach their root fs; make it searchable (chmod o+x, e.g. 0711) or use a data dir under /var/lib`,
        { category: 'permanent' },
      );
    if (dir === '/') return;
  }
}

function readNs(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/user`);
  } catch {
    return undefined;
  }
}

/**
 * Shifts the owner of every entry under `root` whose uid or gid is below the range's size (a
 * host id, e.g. files the runner wrote as root) into the range, so the container's root owns
 * what the runner's root wrote and can change it (chown drops setuid/setgid bits). Idempotent;
 * symlinks are not followed.
 */
export function shiftIntoRange(root: string, m: UsernsMapping): void {
  // Synchronous on purpose: an lstat is ~2 µs in-thread, a thread-pool round trip ten times that.
  const shift = (path: string) => {
    const st = lstatSync(path);
    const uid = st.uid < m.size ? st.uid + m.hostId : st.uid;
    const gid = st.gid < m.size ? st.gid + m.hostId : st.gid;
    if (uid !== st.uid || gid !== st.gid) lchownSync(path, uid, gid);
    if (st.isDirectory()) for (const name of readdirSync(path)) shift(join(path, name));
  };
  shift(root);
}
