import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../lib/package-root.js';
import { commandsFor } from './commands/index.js';

/**
 * Builds the `slipway` program for `argv`: with the named command registered when argv names
 * one (its module alone is loaded), else with every command of cli/commands/index.ts.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('slipway')
    .description('Slipway: CI/CD on your own Linux hosts, no Docker daemon.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError();
  const modules = await Promise.all(commandsFor(argv).map((c) => c.load()));
  for (const m of modules) m.register(program);
  return program;
}

await (await buildProgram()).parseAsync(process.argv);
// Every command has finished its work when its action resolves (long-running ones such as
// `slipway up` wait for their signal inside the action). Exit now rather than waiting for idle
// keep-alive connections to time out; stdout and stderr writes are synchronous on Linux.
process.exit(process.exitCode ?? 0);
