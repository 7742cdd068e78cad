import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** The `z` value of an entry whose text is Brotli-compressed (see LogEntry). */
export const TEXT_CODEC = 'br';
/** Texts shorter than this go as they are (a step's first line waits for no compressor). */
const COMPRESS_FROM = 4 * 1024;
/** Most bytes a compressed text may expand to; an entry claiming more is malformed. */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;
const BROTLI = {
  params: {
    // Quality 1: ~5x on build logs at a few hundred MB/s; a 64 KiB window fits one entry.
    [constants.BROTLI_PARAM_QUALITY]: 1,
    [constants.BROTLI_PARAM_LGWIN]: 16,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
};

/**
 * `text` compressed, or undefined when it is short or compressing saves less than a tenth.
 * Synchronous: zlib's asynchronous form cost the runner twice the CPU for a loud step.
 */
export function compressText(text: Buffer): Buffer | undefined {
  if (text.length < COMPRESS_FROM) return undefined;
  const packed = brotliCompressSync(text, BROTLI);
  return packed.length < text.length * 0.9 ? packed : undefined;
}

/** The text of an entry's `x` field (`codec` its `z`, if any); undefined when it cannot be read. */
export function entryText(x: string | Buffer, codec: string | undefined): string | undefined {
  if (codec === undefined) return x.toString();
  // A compressed text read as a string has lost bytes; only bytes decompress.
  if (codec !== TEXT_CODEC || typeof x === 'string') return undefined;
  try {
    return brotliDecompressSync(x, { maxOutputLength: MAX_TEXT_BYTES }).toString();
  } catch {
    return undefined;
  }
}
