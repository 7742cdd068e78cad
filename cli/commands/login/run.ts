import { dataDirPaths, defaultDataDir } from '../../../runner/data-dir.js';
import { normalizeRegistryHost, openRegistryClient, updateSlipwayAuth } from '../../../runner/oci/index.js';
import type { HostFlags } from '../../flags.js';
import { reportFailure } from '../../output.js';

export interface LoginOptions extends HostFlags {
  username: string;
  passwordStdin?: boolean;
}

/** `slipway login`: checks the credentials against the registry, then saves them in auth.json. */
export async function loginCommand(host: string, opts: LoginOptions): Promise<void> {
  try {
    if (!opts.passwordStdin) throw new Error('pass the password on standard input with --password-stdin');
    const password = (await readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new Error('no password on standard input');
    const registry = normalizeRegistryHost(host);
    const credential = { username: opts.username, password };
    const client = await openRegistryClient({
      insecure: opts.insecureRegistry ?? [],
      credentials: async (r) => (r === registry ? credential : undefined),
    });
    await client.checkCredentials(registry);
    const file = dataDirPaths.auth(opts.dataDir ?? defaultDataDir());
    await updateSlipwayAuth(file, registry, credential);
    console.log(`logged in to ${registry} as ${opts.username} (saved in ${file})`);
  } catch (err) {
    reportFailure(err);
  }
}

/** `slipway logout`: removes the registry's entry from auth.json. */
export async function logoutCommand(host: string, opts: HostFlags): Promise<void> {
  try {
    const registry = normalizeRegistryHost(host);
    const file = dataDirPaths.auth(opts.dataDir ?? defaultDataDir());
    const existed = await updateSlipwayAuth(file, registry, undefined);
    console.log(existed ? `logged out of ${registry}` : `not logged in to ${registry}`);
  } catch (err) {
    reportFailure(err);
  }
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
