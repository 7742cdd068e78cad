import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import { DEFAULT_REGISTRY, parseReference } from '../reference.js';
import type { Credential } from './credential.js';

/**
 * Slipway's own registry credentials: `<data-dir>/auth.json`, written by `slipway login`
 * (mode 0600) and read before the Docker config file by every pull and push of that data dir.
 * Format: `{"auths": {"<registry host[:port]>": {"username": "…", "password": "…"}}}`.
 */
const authFileSchema = z.object({
  auths: z.record(z.string(), z.object({ username: z.string().min(1), password: z.string() }).strict()),
});

type AuthFile = z.infer<typeof authFileSchema>;

/**
 * The registry host as references name it: `index.docker.io` and `registry-1.docker.io` are
 * `docker.io`; a scheme or trailing slash (`https://host:5000/`) is dropped. Throws a clear
 * error for anything that is not a host[:port].
 */
export function normalizeRegistryHost(input: string): string {
  const host = input.replace(/^https?:\/\//, '').replace(/\/(v[12]\/?)?$/, '');
  if (host === 'registry-1.docker.io' || host === 'index.docker.io') return DEFAULT_REGISTRY;
  let parsed: string | undefined;
  try {
    parsed = host.includes('/') ? undefined : parseReference(`${host}/x`).registry;
  } catch {}
  if (!parsed || (parsed === DEFAULT_REGISTRY && host !== DEFAULT_REGISTRY))
    throw new SlipwayError(`"${input}" is not a registry host (expected host[:port], e.g. 127.0.0.1:5000)`, {
      category: 'permanent',
    });
  return parsed;
}

/** Reads the file; a missing one is empty. A malformed one is an error naming the file. */
export async function readSlipwayAuth(path: string): Promise<AuthFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {} };
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = authFileSchema.safeParse(json);
  if (!parsed.success)
    throw new SlipwayError(
      `${path} is not a valid Slipway credentials file (expected {"auths": {"host": {"username", "password"}}}); fix it or run slipway logout`,
      { category: 'permanent', context: { path } },
    );
  return parsed.data;
}

/** The stored credential for `registry`, if any. */
export async function slipwayCredential(path: string, registry: string): Promise<Credential | undefined> {
  return (await readSlipwayAuth(path)).auths[registry];
}

/**
 * Sets (a credential) or removes (undefined) the entry for `registry`; returns whether an
 * entry was there before. Written to a temp file with mode 0600 and renamed over the old one,
 * so a reader never sees half a file and the secret is never readable by others.
 */
export async function updateSlipwayAuth(
  path: string,
  registry: string,
  credential: Credential | undefined,
): Promise<boolean> {
  const file = await readSlipwayAuth(path);
  const existed = registry in file.auths;
  if (!credential && !existed) return false;
  if (credential) file.auths[registry] = { username: credential.username, password: credential.password };
  else delete file.auths[registry];
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return existed;
}
