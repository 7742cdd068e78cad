import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { type EmbeddedRegistry, type RegistryAuth, startRegistry } from '../../lib/daemons/registry.js';
import { freePort } from '../../lib/net.js';
import { onCleanup } from './cleanup.js';
import { requireBinary } from './requirements.js';
import { tempDir } from './tmp.js';

export interface TestRegistry extends EmbeddedRegistry {
  /** Present in htpasswd mode: the one user the registry accepts. */
  credentials?: { username: string; password: string };
}

/**
 * Starts a private `docker-registry` on a free port, stopped after the test file.
 * `htpasswd` mode creates one bcrypt user (returned in `credentials`). Token mode: pass the
 * `auth` built by the token-server helper.
 */
export async function testRegistry(
  mode: 'none' | 'htpasswd' | { auth: RegistryAuth } = 'none',
): Promise<TestRegistry> {
  requireBinary('docker-registry', 'docker-registry');
  const dataDir = await tempDir('registry');
  let auth: RegistryAuth = { kind: 'none' };
  let credentials: TestRegistry['credentials'];
  if (mode === 'htpasswd') {
    credentials = { username: 'slipway', password: `pw-${Math.random().toString(36).slice(2)}` };
    const htpasswdFile = join(dataDir, 'htpasswd');
    await writeFile(htpasswdFile, `${credentials.username}:${bcrypt.hashSync(credentials.password, 5)}\n`);
    auth = { kind: 'htpasswd', htpasswdFile };
  } else if (typeof mode === 'object') {
    auth = mode.auth;
  }
  const registry = await startRegistry({ dataDir, port: await freePort(), auth });
  onCleanup(() => registry.stop());
  return credentials ? { ...registry, credentials } : registry;
}
