import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open as openFile, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SlipwayError } from '../../lib/errors.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import { KEY_BYTES, type Keyring, makeKeyring } from './sealed.js';

/**
 * The server's keyring for secrets at rest. The current key is `SLIPWAY_SECRET_KEY` (32 bytes as
 * 64 hex digits or base64), else `<dataDir>/secret.key` (base64; created 0600 with a random key on
 * first start, refused when group or others may read it). `SLIPWAY_SECRET_KEY_PREVIOUS` (comma-
 * separated, same encodings) lists retired keys that still open older values.
 */
export async function loadServerKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Keyring> {
  const previous = (env.SLIPWAY_SECRET_KEY_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseKey(s, 'SLIPWAY_SECRET_KEY_PREVIOUS'));
  const fromEnv = env.SLIPWAY_SECRET_KEY?.trim();
  const current = fromEnv
    ? parseKey(fromEnv, 'SLIPWAY_SECRET_KEY')
    : await keyFile(dataDirPaths.secretKey(dataDir));
  return makeKeyring(current, previous);
}

/** 32 bytes from 64 hex digits or base64 (standard or URL-safe); anything else is refused. */
export function parseKey(text: string, where: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new SlipwayError(
    `${where}: expected a ${KEY_BYTES}-byte key as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`,
  );
}

async function keyFile(file: string): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole to a private temp file, then linked into place: a concurrent start sees either
  // no key file or a complete one, and exactly one key wins.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await openFile(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const st = await lstat(file);
  if (!st.isFile()) throw new SlipwayError(`${file}: the secret key file must be a regular file`);
  if ((st.mode & 0o077) !== 0)
    throw new SlipwayError(
      `${file}: the secret key file is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
    );
  return parseKey((await readFile(file, 'utf8')).trim(), file);
}
