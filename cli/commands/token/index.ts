import type { Command } from 'commander';
import { addServerFlags } from '../../flags.js';
import type { TokenCreateOptions } from './run.js';

/**
 * `slipway token create --name N`: a new API token, printed alone on stdout (the server keeps
 * only its hash). With `--redis URL` it is written straight to Redis, for a fresh install's first.
 */
export function register(program: Command): void {
  const token = program.command('token').description('create API tokens for the server');
  addServerFlags(token.command('create').description('create an API token and print it (shown once)'))
    .requiredOption('--name <name>', 'what the token is for (1–64 letters, digits, _.@-)')
    .option('--redis <url>', "write to this Redis directly instead of the server's API (bootstrap)")
    .action(async (opts: TokenCreateOptions) => (await import('./run.js')).tokenCreate(opts));
}
