import { readFileSync } from 'node:fs';
import { Command } from 'commander';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Builds the `slipway` program; each command module adds itself. */
export function buildProgram(): Command {
  const program = new Command('slipway')
    .description('Slipway: CI/CD on your own Linux hosts, no Docker daemon.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError();
  return program;
}

const program = buildProgram();
await program.parseAsync(process.argv);
