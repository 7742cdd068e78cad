import { extract } from 'tar-stream';
import { SlipwayError } from '../../../lib/errors.js';
import { log } from '../../../lib/log.js';
import { DigestCounter } from '../store/digest.js';
import type { Digest } from '../types.js';
import { decompressed } from './decompress.js';
import { installBinaryXattrCoding } from './pax.js';
import { SafeTree, UnsafeEntryError } from './safe-tree.js';
import { EntryWriter } from './unpack-entry.js';

const logger = log.child({ module: 'oci/layer/unpack' });
const MAX_KEPT_WARNINGS = 100;

installBinaryXattrCoding();

export interface UnpackResult {
  /** sha256 of the uncompressed tar stream. */
  diffID: Digest;
  /** Bytes of file content written (the layer's approximate size on disk). */
  size: number;
  entries: number;
  /** Entries skipped or adjusted (device nodes, absolute names, refused xattrs); first 100. */
  warnings: string[];
}

/**
 * Extracts a gzip, zstd or plain tar layer from `source` into `dest` (an existing, empty
 * directory private to this call) in overlayfs lower-dir form. Nothing is created or followed
 * outside `dest`. With `opts.diffID` the uncompressed stream must hash to it. Throws a permanent
 * SlipwayError naming the layer digest and the entry; on error `dest` holds a partial tree
 * the caller must delete.
 */
export async function unpackLayerStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  dest: string,
  opts: { digest: Digest; diffID?: Digest },
): Promise<UnpackResult> {
  const warnings: string[] = [];
  let warned = 0;
  const warn = (entry: string, message: string) => {
    warned++;
    if (warnings.length < MAX_KEPT_WARNINGS) warnings.push(`${entry}: ${message}`);
    if (warned <= MAX_KEPT_WARNINGS) logger.warn({ digest: opts.digest, entry }, message);
  };
  const writer = new EntryWriter(new SafeTree(dest), warn);
  const counter = new DigestCounter();
  const tar = extract();
  const feeding = feed(source, counter, tar);
  let entries = 0;
  let current = '';
  try {
    for await (const entry of tar) {
      current = entry.header.name;
      await writer.apply(entry.header, entry as unknown as AsyncIterable<Uint8Array>);
      entry.resume();
      entries++;
    }
    current = '';
    await feeding;
    writer.finish();
  } catch (err) {
    tar.destroy(err as Error);
    await feeding.catch(() => {});
    throw unpackError(err, opts.digest, current);
  }
  const diffID = counter.digest();
  if (opts.diffID !== undefined && diffID !== opts.diffID)
    throw new SlipwayError(
      `layer ${opts.digest}: diffID mismatch (config says ${opts.diffID}, content is ${diffID})`,
      {
        context: { digest: opts.digest, diffID: opts.diffID, actual: diffID },
      },
    );
  if (warned > MAX_KEPT_WARNINGS) warnings.push(`… and ${warned - MAX_KEPT_WARNINGS} more warnings`);
  return { diffID, size: writer.bytes, entries, warnings };
}

/** Pumps decompressed bytes into the tar parser, hashing them for the diffID, with backpressure. */
async function feed(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  counter: DigestCounter,
  tar: ReturnType<typeof extract>,
) {
  try {
    for await (const chunk of decompressed(source)) {
      counter.update(chunk);
      if (tar.destroyed) return;
      if (!tar.write(chunk))
        await new Promise<void>((resolve) => {
          const done = () => {
            tar.off('drain', done);
            tar.off('close', done);
            resolve();
          };
          tar.on('drain', done);
          tar.on('close', done);
        });
    }
    (tar as unknown as { end(): void }).end();
  } catch (err) {
    tar.destroy(err as Error);
    throw err;
  }
}

function unpackError(err: unknown, digest: Digest, entry: string): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const message = (err as Error).message ?? String(err);
  const where = entry ? `entry ${JSON.stringify(entry)}` : 'tar stream';
  const unsafe = err instanceof UnsafeEntryError;
  const hostError = typeof (err as NodeJS.ErrnoException).code === 'string' && !unsafe;
  return new SlipwayError(`layer ${digest}: ${where}: ${unsafe ? 'unsafe entry refused: ' : ''}${message}`, {
    category: hostError ? 'internal' : 'permanent',
    context: { digest, entry: entry || undefined },
    cause: err,
  });
}
