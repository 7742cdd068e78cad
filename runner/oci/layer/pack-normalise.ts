import type { Stats } from 'node:fs';
import { chmodSync, chownSync, lutimesSync } from 'node:fs';
import { listAttributesSync, removeAttributeSync } from 'fs-xattr';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

export type NormaliseTarget =
  | { kind: 'root'; path: string }
  | { kind: 'node'; path: string; st: Stats; mtime: Date; overlayXattrs: string[] };

/**
 * Makes one packed node of a directory match what unpacking its tar entry gives (packLayer's
 * `normalise`): the mtime becomes the whole seconds the header holds, overlay bookkeeping
 * xattrs (origin, impure, …) go; the root dir — which has no entry — becomes 0755 root:root
 * as an unpack creates it. Parents are never touched, so their mtimes stay. Synchronous: one or
 * two metadata syscalls, far cheaper than a thread-pool round trip each.
 */
export function normaliseNode(t: NormaliseTarget): void {
  if (t.kind === 'root') {
    chmodSync(t.path, 0o755);
    chownSync(t.path, 0, 0);
    for (const name of listAttributesSync(t.path))
      if (name.startsWith('trusted.overlay.') && name !== OPAQUE_XATTR) removeAttributeSync(t.path, name);
    return;
  }
  for (const name of t.overlayXattrs) removeAttributeSync(t.path, name);
  const seconds = Math.floor(t.mtime.getTime() / 1000);
  if (t.st.mtimeMs !== seconds * 1000) lutimesSync(t.path, seconds, seconds);
}
