import { openRegular } from '../../../lib/regular-file.js';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/**
 * Whether a local ADD source is an archive Docker would auto-extract, judged by content like
 * Docker does (gzip/bzip2/xz/zstd magic, or a tar header's `ustar` magic) — never by name.
 * Returns undefined for ordinary files (copied as is).
 */
export async function detectArchive(path: string): Promise<ArchiveKind | undefined> {
  const fh = await openRegular(path, 'ADD source');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    const b = buf.subarray(0, bytesRead);
    if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
    if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (b.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
    if (b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return undefined;
  } finally {
    await fh.close();
  }
}
