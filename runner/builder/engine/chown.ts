import { parseGroup, parsePasswd, readImageFile } from '../../rootfs/index.js';
import { BuildFailure } from './errors.js';

/** Owner for COPY/ADD: `undefined` keeps the source's (only `--from`) or uses 0:0 (context). */
export interface Owner {
  uid: number;
  gid: number;
}

const isId = (s: string) => /^\d{1,10}$/.test(s);

/**
 * Resolves `--chown=user[:group]` against the image being built (`root`, its /etc/passwd and
 * /etc/group read with symlinks kept inside the root). Docker's rule: with no group the group
 * is the user's value again — a name is looked up in /etc/group, a number used as is (and a
 * name with no such group falls back to the user's numeric id).
 */
export async function resolveChown(root: string, chown: string | undefined): Promise<Owner | undefined> {
  if (chown === undefined || chown === '') return undefined;
  const [userPart = '', groupPart] = chown.split(':', 2);
  const needDb = !isId(userPart) || (groupPart !== undefined && !isId(groupPart)) || groupPart === undefined;
  const [passwd, group] = needDb
    ? await Promise.all([readImageFile(root, '/etc/passwd'), readImageFile(root, '/etc/group')])
    : ['', ''];
  let uid: number;
  if (isId(userPart)) uid = Number(userPart);
  else {
    const u = parsePasswd(passwd).find((x) => x.name === userPart);
    if (!u)
      throw new BuildFailure(`--chown=${chown}: user "${userPart}" not found in the image's /etc/passwd`);
    uid = u.uid;
  }
  const g = groupPart ?? userPart;
  if (isId(g)) return { uid, gid: Number(g) };
  const found = parseGroup(group).find((x) => x.name === g);
  if (found) return { uid, gid: found.gid };
  if (groupPart === undefined) return { uid, gid: uid };
  throw new BuildFailure(`--chown=${chown}: group "${g}" not found in the image's /etc/group`);
}

/**
 * `--chmod=0755` → bits; octal modes only, 0 to 07777 (`0`, `644`, `4755` and `0000` alike:
 * Docker parses the value as an octal number).
 */
export function parseChmod(chmod: string | undefined): number | undefined {
  if (chmod === undefined || chmod === '') return undefined;
  if (!/^0*[0-7]{1,4}$/.test(chmod))
    throw new BuildFailure(`--chmod=${chmod}: expected an octal mode from 0 to 7777, like 0755`);
  return Number.parseInt(chmod, 8);
}
