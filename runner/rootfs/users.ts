import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { SlipwayError } from '../../lib/errors.js';
import { resolveInRoot } from './root-path.js';

/** The process identity of a container, as runc wants it. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From /etc/passwd (default "/"); used for $HOME. */
  home: string;
}

const MAX_DB_BYTES = 4 * 1024 * 1024;

/** Reads a small regular file of the image (symlinks resolved inside the root); '' when absent. */
export async function readImageFile(root: string, path: string): Promise<string> {
  const host = await resolveInRoot(root, path);
  let fd: number;
  try {
    fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return '';
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_DB_BYTES) return '';
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) return [];
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return [];
    return [{ name: f[0] as string, uid, gid, home: f[5] || '/' }];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) return [];
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) return [];
    return [{ name: f[0] as string, gid, members: (f[3] as string).split(',').filter(Boolean) }];
  });
}

const isId = (s: string) => /^\d+$/.test(s);

/**
 * Resolves `user` (`name`, `uid`, `name:group`, `uid:gid`, empty = root) against the image's
 * /etc/passwd and /etc/group text. A numeric uid without a passwd entry is used as is (gid 0).
 * Additional groups are the groups listing the user by name (only when no group was given).
 */
export function resolveUser(user: string | undefined, passwd: string, group: string): ResolvedUser {
  const spec = (user ?? '').trim();
  const [userPart = '', groupPart] = spec.split(':', 2);
  const users = parsePasswd(passwd);
  const groups = parseGroup(group);
  let entry: PasswdEntry | undefined;
  if (userPart === '')
    entry = users.find((u) => u.uid === 0) ?? { name: 'root', uid: 0, gid: 0, home: '/root' };
  else if (isId(userPart))
    entry = users.find((u) => u.uid === Number(userPart)) ?? {
      name: '',
      uid: Number(userPart),
      gid: 0,
      home: '/',
    };
  else entry = users.find((u) => u.name === userPart);
  if (!entry)
    throw new SlipwayError(`user "${userPart}" not found in the image's /etc/passwd`, {
      context: { user: spec },
    });
  let gid = entry.gid;
  if (groupPart !== undefined && groupPart !== '') {
    if (isId(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g)
        throw new SlipwayError(`group "${groupPart}" not found in the image's /etc/group`, {
          context: { user: spec },
        });
      gid = g.gid;
    }
  }
  const additionalGids =
    groupPart === undefined && entry.name
      ? [...new Set(groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid))]
      : [];
  return { uid: entry.uid, gid, additionalGids, home: entry.home };
}

/** Reads the image's user databases from `root` and resolves `user` (see resolveUser). */
export async function resolveImageUser(root: string, user: string | undefined): Promise<ResolvedUser> {
  const [passwd, group] = await Promise.all([
    readImageFile(root, '/etc/passwd'),
    readImageFile(root, '/etc/group'),
  ]);
  return resolveUser(user, passwd, group);
}
