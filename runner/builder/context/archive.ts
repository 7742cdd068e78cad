import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { openRegular } from '../../../lib/regular-file.js';
import { decompressed } from '../../oci/index.js';

/** The compressions of a local ADD archive that Docker 20.10's builder unpacks (zstd is not one). */
export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz';

const TAR_BLOCK = 512;

/** The compression named by a file's first bytes; 'tar' when none of Docker's. */
function sniffKind(b: Buffer): ArchiveKind {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'tar';
}

/**
 * The uncompressed bytes of a local archive: a plain tar as it is, gzip in process, bzip2 and
 * xz through their tools (the child is killed when the caller stops reading early). A
 * decompression error ends the stream with an error.
 */
export async function* archiveTarBytes(path: string, kind: ArchiveKind): AsyncGenerator<Uint8Array> {
  const file = () => createReadStream(path, { highWaterMark: 1 << 20 });
  if (kind === 'tar') {
    for await (const chunk of file()) yield chunk as Buffer;
    return;
  }
  if (kind === 'gzip') {
    yield* decompressed(file());
    return;
  }
  const child = spawn(kind, ['-dc', path], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const code = await exited;
    if (code !== 0) throw new Error(`${kind} -dc ${path} exited with ${code}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * Whether `block` is a tar header Go's archive/tar (Docker's unpacker) accepts as a first entry:
 * not all zeros, and its checksum field matching the unsigned or signed byte sum (V7, ustar,
 * GNU and PAX headers alike).
 */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < TAR_BLOCK || block.every((b) => b === 0)) return false;
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

async function firstBlock(path: string, kind: ArchiveKind): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of archiveTarBytes(path, kind)) {
      parts.push(Buffer.from(chunk));
      have += chunk.byteLength;
      if (have >= TAR_BLOCK) break;
    }
  } catch {
    return Buffer.alloc(0); // not decompressible: Docker copies such a file as it is
  }
  return Buffer.concat(parts).subarray(0, TAR_BLOCK);
}

/**
 * Whether a local ADD source is an archive Docker would unpack, judged by content like
 * Docker's builder does — never by name: it is decompressed once if it starts with gzip, bzip2
 * or xz magic, and is an archive only if what comes out starts with a valid tar header.
 * Anything else (a compressed non-tar, a tar compressed twice, zstd, a corrupt stream) is
 * undefined: copied unchanged.
 */
export async function detectArchive(path: string): Promise<ArchiveKind | undefined> {
  const fh = await openRegular(path, 'ADD source');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(TAR_BLOCK);
    const { bytesRead } = await fh.read(buf, 0, TAR_BLOCK, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const kind = sniffKind(head);
  const block = kind === 'tar' ? head : await firstBlock(path, kind);
  return isTarHeader(block) ? kind : undefined;
}
