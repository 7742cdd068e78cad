import type { Command } from 'commander';
import { addHostFlags, type HostFlags } from '../../flags.js';
import type { LoginOptions } from './run.js';

/**
 * `slipway login REGISTRY -u USER --password-stdin` checks the credentials against the
 * registry and saves them in `<data-dir>/auth.json` (mode 0600); `slipway logout REGISTRY`
 * removes them. pull, push, build and exec of that data dir use them before Docker's config.
 */
export function register(program: Command): void {
  addHostFlags(
    program
      .command('login')
      .argument('<registry>', 'registry host[:port], e.g. registry.example.com or 127.0.0.1:5000')
      .description('check credentials for a registry and save them for pulls and pushes'),
    true,
  )
    .requiredOption('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password (or token) from standard input')
    .action(async (host: string, opts: LoginOptions) => (await import('./run.js')).loginCommand(host, opts));

  addHostFlags(
    program
      .command('logout')
      .argument('<registry>', 'registry host[:port]')
      .description('remove the saved credentials for a registry'),
    false,
  ).action(async (host: string, opts: HostFlags) => (await import('./run.js')).logoutCommand(host, opts));
}
