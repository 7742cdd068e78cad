import { createHash, type Hash } from 'node:crypto';
import { SlipwayError } from '../../../lib/errors.js';
import type { Digest } from '../types.js';

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;

/**
 * The hex part of a `sha256:<64 hex>` digest. Anything else (other algorithms, upper case,
 * path tricks) is a permanent error: digests name files in the store, so they are validated
 * before they ever touch a path.
 */
export function digestHex(digest: Digest, context: Record<string, string> = {}): string {
  const m = SHA256_DIGEST.exec(digest);
  if (!m)
    throw new SlipwayError(`invalid digest ${JSON.stringify(digest)}`, { context: { ...context, digest } });
  return m[1]!;
}

/** A sha256 hasher with a running byte count, for verify-while-streaming. */
export class DigestCounter {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
  }

  /** `sha256:<hex>`; call once, at the end of the stream. */
  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/** sha256 digest of an in-memory buffer. */
export function digestOf(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
