import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../lib/package-root.js';
import { commands } from './commands/index.js';

/**
 * A CLI command module in cli/commands/: it adds its command to the program. Keep top-level
 * imports light (commander only); import heavy modules inside the action so `slipway --help`
 * stays fast.
 */
export type RegisterCommand = (program: Command) => void;

/** Builds the `slipway` program with every command of cli/commands/index.ts registered. */
export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('slipway')
    .description('Slipway: CI/CD on your own Linux hosts, no Docker daemon.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError();
  for (const command of commands) command.register(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
// Every command has finished its work when its action resolves (long-running ones such as
// `slipway up` wait for their signal inside the action). Exit now rather than waiting for idle
// keep-alive connections to time out; stdout and stderr writes are synchronous on Linux.
process.exit(process.exitCode ?? 0);
