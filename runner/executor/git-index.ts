import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';

/** One path of a checked-out tree as the git index records it. */
export interface IndexEntry {
  /** The path from the work tree's root, `/`-separated, as git's tree holds its bytes. */
  path: Buffer;
  /** 0o100644, 0o100755, 0o120000 (symlink) or 0o160000 (submodule commit). */
  mode: number;
  /** The object id, 40 hex digits (SHA-1 repositories only). */
  oid: string;
  /** lstat (bigint) of the written file; a submodule's empty directory is recorded with zeros. */
  stat?: BigIntStats;
}

/** Longest path git stores in an entry's flags; longer ones are marked 0xFFF and found by their NUL. */
const NAME_MASK = 0xfff;
const NS = 1_000_000_000n;

/**
 * The bytes of a version 2 git index (`.git/index`) holding `entries` at stage 0, as `git
 * checkout` leaves it after writing those files: entries sorted by path bytes, each with the
 * stat data of the file written, so `git status` and `git diff-files` in the work tree see it
 * clean without reading a file. SHA-1 repositories only (the trailer is a SHA-1).
 */
export function gitIndexBytes(entries: IndexEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.path, b.path));
  const parts: Buffer[] = [];
  const header = Buffer.alloc(12);
  header.write('DIRC', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(sorted.length, 8);
  parts.push(header);
  for (const e of sorted) {
    // 62 bytes of fixed fields, the path, then 1 to 8 NULs to a multiple of 8.
    const length = Math.ceil((62 + e.path.length + 1) / 8) * 8;
    const b = Buffer.alloc(length);
    const s = e.stat;
    // git keeps the low 32 bits of each stat field.
    const u32 = (v: bigint | number, at: number) => b.writeUInt32BE(Number(BigInt(v) & 0xffffffffn), at);
    if (s) {
      u32(s.ctimeNs / NS, 0);
      u32(s.ctimeNs % NS, 4);
      u32(s.mtimeNs / NS, 8);
      u32(s.mtimeNs % NS, 12);
      u32(s.dev, 16);
      u32(s.ino, 20);
      u32(s.uid, 28);
      u32(s.gid, 32);
      u32(s.size, 36);
    }
    u32(e.mode, 24);
    b.write(e.oid, 40, 'hex');
    b.writeUInt16BE(Math.min(e.path.length, NAME_MASK), 60);
    e.path.copy(b, 62);
    parts.push(b);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}
