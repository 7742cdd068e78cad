import type { Command } from 'commander';

/**
 * `slipway lint [path]`: checks the pipeline files of a repository (`.slipway.yml`,
 * `.slipway/*.yml`) or one file. Prints every error compiler-style and exits 1, or prints one
 * OK line and exits 0. Exit 2 when nothing can be read.
 */
export function register(program: Command): void {
  program
    .command('lint')
    .description('check pipeline files and print every error as file:line:col: message')
    .argument('[path]', 'repository directory or pipeline file', '.')
    .action(async (path: string) => (await import('./run.js')).lintCommand(path));
}
