import { readdirSync, readFileSync } from 'node:fs';
import { Command } from 'commander';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * A CLI command module in cli/commands/: it adds its command to the program. Keep top-level
 * imports light (commander only); import heavy modules inside the action so `slipway --help`
 * stays fast.
 */
export type RegisterCommand = (program: Command) => void;

/** Builds the `slipway` program with every module in cli/commands/ registered. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('slipway')
    .description('Slipway: CI/CD on your own Linux hosts, no Docker daemon.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError();
  const dir = new URL('./commands/', import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as { register?: RegisterCommand };
    mod.register?.(program);
  }
  return program;
}

const program = await buildProgram();
await program.parseAsync(process.argv);
