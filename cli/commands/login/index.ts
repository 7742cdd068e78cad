import type { Command } from 'commander';
import { addOciOptions, type OciCliOptions, reportFailure } from '../../oci-options.js';

/**
 * `slipway login REGISTRY -u USER --password-stdin` checks the credentials against the
 * registry and saves them in `<data-dir>/auth.json` (mode 0600); `slipway logout REGISTRY`
 * removes them. pull, push, build and exec of that data dir use them before Docker's config.
 */
export function register(program: Command): void {
  addOciOptions(
    program
      .command('login')
      .argument('<registry>', 'registry host[:port], e.g. registry.example.com or 127.0.0.1:5000')
      .description('check credentials for a registry and save them for pulls and pushes'),
    true,
  )
    .requiredOption('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password (or token) from standard input')
    .action(async (host: string, opts: OciCliOptions & { username: string; passwordStdin?: boolean }) => {
      try {
        if (!opts.passwordStdin) throw new Error('pass the password on standard input with --password-stdin');
        const password = (await readStdin()).replace(/\r?\n$/, '');
        if (!password) throw new Error('no password on standard input');
        const { dataDirPaths, defaultDataDir } = await import('../../../runner/data-dir.js');
        const { RegistryClient } = await import('../../../runner/oci/registry/client.js');
        const auth = await import('../../../runner/oci/registry/slipway-auth.js');
        const registry = auth.normalizeRegistryHost(host);
        const credential = { username: opts.username, password };
        const client = new RegistryClient({
          insecure: opts.insecureRegistry ?? [],
          credentials: async (r) => (r === registry ? credential : undefined),
        });
        await client.checkCredentials(registry);
        const file = dataDirPaths.auth(opts.dataDir ?? defaultDataDir());
        await auth.updateSlipwayAuth(file, registry, credential);
        console.log(`logged in to ${registry} as ${opts.username} (saved in ${file})`);
      } catch (err) {
        reportFailure(err);
      }
    });

  addOciOptions(
    program
      .command('logout')
      .argument('<registry>', 'registry host[:port]')
      .description('remove the saved credentials for a registry'),
    false,
  ).action(async (host: string, opts: OciCliOptions) => {
    try {
      const { dataDirPaths, defaultDataDir } = await import('../../../runner/data-dir.js');
      const auth = await import('../../../runner/oci/registry/slipway-auth.js');
      const registry = auth.normalizeRegistryHost(host);
      const file = dataDirPaths.auth(opts.dataDir ?? defaultDataDir());
      const existed = await auth.updateSlipwayAuth(file, registry, undefined);
      console.log(existed ? `logged out of ${registry}` : `not logged in to ${registry}`);
    } catch (err) {
      reportFailure(err);
    }
  });
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
