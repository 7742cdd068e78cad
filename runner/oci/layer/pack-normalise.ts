import { chmodSync, chownSync, lutimesSync } from 'node:fs';
import { listAttributesSync, removeAttributeSync } from 'fs-xattr';
import type { WalkItem } from './pack-walk.js';

/** The xattrs unpacking applies (unpack-entry.ts); any other is dropped from an adopted dir. */
const UNPACKED_XATTR = /^(user|security)\./;

/**
 * Makes one packed item of a directory match what unpacking its tar entry gives (packLayer's
 * `normalise`): the mtime becomes the whole seconds its header holds (`mtime`, clamped), and
 * xattrs an unpack would not recreate go (overlay bookkeeping such as origin/impure, trusted.*,
 * ACLs; an upper dir's opaque marker stays). Parents are never touched, so their mtimes stay.
 * Synchronous: a metadata syscall or two, far cheaper than a thread-pool round trip each.
 */
export function normaliseItem(item: WalkItem, mtime: Date): void {
  if (item.kind === 'opaque') return;
  if (item.kind === 'node') {
    for (const name of item.overlayXattrs) removeAttributeSync(item.path, name);
    for (const [name] of item.xattrs) if (!UNPACKED_XATTR.test(name)) removeAttributeSync(item.path, name);
  }
  const seconds = Math.floor(mtime.getTime() / 1000);
  if (item.st.mtimeMs !== seconds * 1000) lutimesSync(item.path, seconds, seconds);
}

/** The layer root has no tar entry: an unpack creates it 0755 root:root without xattrs. */
export function normaliseRoot(path: string): void {
  chmodSync(path, 0o755);
  chownSync(path, 0, 0);
  for (const name of listAttributesSync(path)) removeAttributeSync(path, name);
}
