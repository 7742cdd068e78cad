import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/** Fixed block size: block boundaries are byte offsets of the input, so output never depends on chunking. */
const BLOCK = 1 << 20;
/** The head of each block compressed first to judge whether the block is worth compressing. */
const SAMPLE = 32 << 10;
/** A sample shrinking to no less than this share of its size marks its block as incompressible. */
const INCOMPRESSIBLE = 0.97;
/** Blocks compressed at once (zlib runs them on the libuv thread pool). */
const IN_FLIGHT = 4;

/**
 * One gzip member whose deflate stream is a run of independently compressed 1 MiB blocks
 * (each ends with a full flush, as `pigz --independent`): blocks compress in parallel on the
 * thread pool, and a block whose 32 KiB head does not compress (media, archives, random data)
 * is stored instead of compressed — the costly case of gzip. Any gzip reader reads it.
 * Deterministic: the same input bytes give the same output for a given zlib, whatever the
 * chunking of `source`.
 */
export async function* blockGzip(source: AsyncIterable<Uint8Array>, level = 1): AsyncGenerator<Buffer> {
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level === 1 ? 4 : level === 9 ? 2 : 0, 3]);
  let crc = 0;
  let size = 0;
  const pending: Array<Promise<Buffer>> = [];
  let buf = Buffer.allocUnsafe(BLOCK);
  let fill = 0;
  const submit = (block: Buffer) => {
    crc = crc32(block, crc);
    size += block.length;
    const p = compressBlock(block, level);
    p.catch(() => {}); // awaited in order below; never an unhandled rejection meanwhile
    pending.push(p);
  };
  for await (const chunk of source) {
    let off = 0;
    while (off < chunk.byteLength) {
      const n = Math.min(BLOCK - fill, chunk.byteLength - off);
      buf.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === BLOCK) {
        submit(buf);
        buf = Buffer.allocUnsafe(BLOCK);
        fill = 0;
      }
    }
    while (pending.length >= IN_FLIGHT) yield await pending.shift()!;
  }
  if (fill > 0) submit(buf.subarray(0, fill));
  while (pending.length > 0) yield await pending.shift()!;
  yield deflateRawSync(Buffer.alloc(0), { level });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  yield trailer;
}

function compressBlock(block: Buffer, level: number): Promise<Buffer> {
  const sample = block.subarray(0, SAMPLE);
  const stored = deflateRawSync(sample, { level: 1 }).length >= sample.length * INCOMPRESSIBLE;
  return deflateRawAsync(block, { level: stored ? 0 : level, finishFlush: constants.Z_FULL_FLUSH });
}
