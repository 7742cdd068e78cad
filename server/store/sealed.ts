import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SlipwayError } from '../../lib/errors.js';

/**
 * Secrets at rest: AES-256-GCM with a random 12-byte IV and a 16-byte tag. A sealed value is
 * `v1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`; the key id (8 hex digits of a hash of the
 * key) says which key opens it, so a server can take a new key and still open values sealed
 * with the previous ones. `context` (for example `repo/x\0secret:TOKEN`) is bound as
 * additional data: a sealed value copied under another name or repository does not open.
 */
export interface Keyring {
  /** Seals new values. */
  current: { id: string; key: Buffer };
  /** Every key that may open a value, by id (the current one included). */
  byId: ReadonlyMap<string, Buffer>;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** The id of a key as it appears in sealed values (not secret: a hash prefix). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('slipway-key-id\0').update(key).digest('hex').slice(0, 8);
}

/** A keyring sealing with `current` and opening with it and every key in `previous`. */
export function makeKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  for (const k of [current, ...previous])
    if (k.length !== KEY_BYTES)
      throw new SlipwayError(`a secret key must be ${KEY_BYTES} bytes, got ${k.length}`);
  const byId = new Map<string, Buffer>();
  for (const k of [...previous, current]) byId.set(keyId(k), k);
  return { current: { id: keyId(current), key: current }, byId };
}

/** Encrypts `plaintext` for `context` with the keyring's current key. */
export function seal(ring: Keyring, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const packed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  return `${VERSION}:${ring.current.id}:${packed}`;
}

/**
 * Decrypts a value made by `seal` for the same `context`. A malformed, tampered or misplaced
 * value, or one sealed with a key the ring lacks, fails with a clear error (never garbage).
 */
export function open(ring: Keyring, sealed: string, context: string): string {
  const m = /^v1:([0-9a-f]{8}):([A-Za-z0-9_-]+)$/.exec(sealed);
  if (!m) throw new SlipwayError(`sealed value for ${describe(context)} is malformed`);
  const key = ring.byId.get(m[1] as string);
  if (!key)
    throw new SlipwayError(
      `sealed value for ${describe(context)} was sealed with key ${m[1]}, which this server does not have (SLIPWAY_SECRET_KEY_PREVIOUS)`,
    );
  const raw = Buffer.from(m[2] as string, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES)
    throw new SlipwayError(`sealed value for ${describe(context)} is truncated`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch (err) {
    throw new SlipwayError(
      `sealed value for ${describe(context)} failed authentication (tampered or misplaced)`,
      {
        cause: err,
      },
    );
  }
}

function describe(context: string): string {
  return JSON.stringify(context.replaceAll('\0', ' '));
}
