import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * The compression of a layer by its magic bytes, not its media type: registries and tools
 * mislabel layers often enough (Docker's gzip type on plain tars) that sniffing is safer.
 */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * Streams the uncompressed bytes of a gzip, zstd or plain tar `source`. Closing the returned
 * iterator early closes `source`. Decompression errors surface from the iteration.
 */
export async function* decompressed(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const it =
    Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (async function* () {
          yield* source;
        })();
  let head: Uint8Array = new Uint8Array(0);
  while (head.byteLength < 4) {
    const r = await it.next();
    if (r.done) break;
    head = head.byteLength === 0 ? r.value : Buffer.concat([head, r.value]);
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.byteLength > 0) yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  const kind = sniffCompression(head);
  try {
    if (kind === 'none') yield* rest();
    else if (kind === 'gzip') yield* gunzip(rest());
    else yield* unzstd(rest());
  } finally {
    await it.return?.();
  }
}

async function* gunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gz = createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(source, { objectMode: false });
  const done = pipeline(input, gz).catch((err: unknown) => {
    gz.destroy(err as Error);
  });
  try {
    for await (const chunk of gz) yield chunk as Buffer;
  } finally {
    input.destroy();
    await done;
  }
}

/** fzstd is pure JS and synchronous per pushed chunk; its output blocks are copied because they may alias its window. */
async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const z = new Decompress((chunk) => {
    if (chunk.byteLength > 0) out.push(Buffer.from(chunk));
  });
  for await (const chunk of source) {
    z.push(chunk);
    while (out.length > 0) yield out.shift()!;
  }
  z.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
}
