import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlipwayError } from '../errors.js';
import { waitForTcp } from '../net.js';
import { spawnOwned } from '../proc.js';

/** How the registry authenticates clients. */
export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; htpasswdFile: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

/** A CNCF distribution (`docker-registry`) server that Slipway started and owns. */
export interface EmbeddedRegistry {
  /** host:port, as used in image references (e.g. `127.0.0.1:5000/app:latest`). */
  host: string;
  /** http://host:port */
  url: string;
  stop(): Promise<void>;
}

/** Renders the distribution 2.x config (YAML is a superset of JSON, so JSON is written). */
export function registryConfig(opts: { dataDir: string; port: number; auth: RegistryAuth }): string {
  const auth =
    opts.auth.kind === 'htpasswd'
      ? { htpasswd: { realm: 'slipway', path: opts.auth.htpasswdFile } }
      : opts.auth.kind === 'token'
        ? {
            token: {
              realm: opts.auth.realm,
              service: opts.auth.service,
              issuer: opts.auth.issuer,
              rootcertbundle: opts.auth.rootCertBundle,
            },
          }
        : undefined;
  return JSON.stringify({
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(opts.dataDir, 'data') }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${opts.port}`, secret: 'slipway-embedded' },
    ...(auth ? { auth } : {}),
  });
}

/**
 * Starts `docker-registry serve` on 127.0.0.1:port with its storage under `dataDir`.
 * Resolves once it accepts connections.
 */
export async function startRegistry(opts: {
  dataDir: string;
  port: number;
  auth?: RegistryAuth;
}): Promise<EmbeddedRegistry> {
  await mkdir(opts.dataDir, { recursive: true });
  const configPath = join(opts.dataDir, 'config.yml');
  await writeFile(configPath, registryConfig({ ...opts, auth: opts.auth ?? { kind: 'none' } }));
  const proc = spawnOwned('docker-registry', ['serve', configPath], { name: 'registry' });
  try {
    await Promise.race([
      waitForTcp('127.0.0.1', opts.port, 10_000),
      new Promise((_, reject) => proc.child.once('exit', () => reject(new Error('docker-registry exited')))),
    ]);
  } catch (err) {
    await proc.stop();
    throw new SlipwayError(
      `could not start docker-registry on port ${opts.port} (is the docker-registry package installed?): ${proc.output().trim() || (err as Error).message}`,
      { category: 'internal', cause: err },
    );
  }
  const host = `127.0.0.1:${opts.port}`;
  return { host, url: `http://${host}`, stop: () => proc.stop() };
}
