import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import { log } from '../../../lib/log.js';
import { dataDirPaths } from '../../data-dir.js';
import type { Credential, CredentialLookup } from './credential.js';
import { slipwayCredential } from './slipway-auth.js';

export type { Credential, CredentialLookup } from './credential.js';

const logger = log.child({ module: 'oci/credentials' });

const dockerConfigSchema = z.object({
  auths: z
    .record(
      z.string(),
      z.object({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});

const helperOutputSchema = z.object({ Username: z.string(), Secret: z.string() });

/** Keys Docker may have used for `registry` in `auths` / `credHelpers`. */
function candidateKeys(registry: string): string[] {
  if (registry === 'docker.io')
    return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
}

function helperServerName(registry: string): string {
  return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}

/** Runs `docker-credential-<helper> get`; undefined when the helper has nothing for it. */
async function runCredentialHelper(helper: string, registry: string): Promise<Credential | undefined> {
  const bin = `docker-credential-${helper}`;
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(bin, ['get'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e) =>
        reject(
          new SlipwayError(`credential helper ${bin} could not run: ${e.message}`, { category: 'permanent' }),
        ),
      );
      child.on('close', (c) => resolve({ code: c ?? 1, stdout: out, stderr: err }));
      child.stdin.end(helperServerName(registry));
    },
  );
  if (code !== 0) {
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    throw new SlipwayError(`credential helper ${bin} failed for ${registry}: ${(stdout + stderr).trim()}`, {
      category: 'permanent',
      context: { registry },
    });
  }
  const parsed = helperOutputSchema.safeParse(JSON.parse(stdout));
  if (!parsed.success)
    throw new SlipwayError(`credential helper ${bin} printed an unexpected answer for ${registry}`, {
      category: 'permanent',
    });
  return { username: parsed.data.Username, password: parsed.data.Secret };
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/**
 * Credentials from a Docker config file: `credHelpers[registry]`, then `auths` (base64 `auth`
 * or username/password), then `credsStore`. A missing file means no credentials.
 */
export async function dockerConfigCredential(
  registry: string,
  path = dockerConfigPath(),
): Promise<Credential | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = dockerConfigSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    logger.warn({ path }, 'ignoring a Docker config file that does not parse');
    return undefined;
  }
  const config = parsed.data;
  const keys = candidateKeys(registry);
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean);
  if (helper) return runCredentialHelper(helper, registry);
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) return { username: decoded.slice(0, sep), password: decoded.slice(sep + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  if (config.credsStore) return runCredentialHelper(config.credsStore, registry);
  return undefined;
}

/**
 * The lookup Slipway uses: its own credentials first (the `slipway` map, then the
 * `slipwayFile` that `slipway login` writes, see slipway-auth.ts), then the Docker config
 * file (unless `dockerConfig` is false).
 */
export function credentialLookup(
  opts: { slipway?: Record<string, Credential>; slipwayFile?: string; dockerConfig?: string | false } = {},
): CredentialLookup {
  return async (registry) => {
    const own = opts.slipway?.[registry];
    if (own) return own;
    const stored = opts.slipwayFile ? await slipwayCredential(opts.slipwayFile, registry) : undefined;
    if (stored) return stored;
    if (opts.dockerConfig === false) return undefined;
    return dockerConfigCredential(registry, opts.dockerConfig ?? dockerConfigPath());
  };
}

/** The CLI's lookup for data dir `dataDir`: `<dataDir>/auth.json`, then the Docker config. */
export function dataDirCredentials(dataDir: string): CredentialLookup {
  return credentialLookup({ slipwayFile: dataDirPaths.auth(dataDir) });
}
