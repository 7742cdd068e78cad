import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Header, pack } from 'tar-stream';
import { requireBinary } from './requirements.js';

/** One entry of a hand-made layer: a tar-stream header and optional content. */
export interface TarEntry {
  header: Partial<Header> & { name: string };
  content?: string | Buffer;
}

/**
 * Builds a tar (optionally gzip or zstd compressed) from `entries` exactly as given — hostile
 * names included — and returns the blob with its digest and diffID.
 */
export async function makeLayer(
  entries: TarEntry[],
  compression: 'gzip' | 'zstd' | 'none' = 'gzip',
): Promise<{ blob: Buffer; digest: string; diffID: string; tar: Buffer }> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const content = Buffer.from(e.content ?? '');
    const header = { mtime: new Date(1_700_000_000_000), ...e.header, size: content.length };
    await new Promise<void>((resolve, reject) => {
      p.entry(header, content, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  let blob = tar;
  if (compression === 'gzip') blob = gzipSync(tar);
  if (compression === 'zstd')
    blob = execFileSync(requireBinary('zstd', 'zstd'), ['-q', '-c'], { input: tar });
  return { blob, tar, digest: sha256(blob), diffID: sha256(tar) };
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
