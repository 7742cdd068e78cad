import type { Command } from 'commander';

/**
 * A command module's face (`<name>/index.ts`): it adds its command(s) to the program. Keep its
 * top-level imports light (commander and cli/flags.ts); import heavy modules inside the action.
 */
export interface CommandModule {
  register(program: Command): void;
}

/**
 * One entry of the command table: the top-level command names a module registers and how to
 * load it. Each module is imported on demand (its own chunk in the dist/ bundle), so a command
 * loads only its own flags' code: `slipway build` never loads the pipeline language that
 * `exec`'s and `runner`'s limit flags parse with. `names` must list exactly what `register`
 * adds (cli/commands/index.test.ts checks it).
 */
export interface CommandEntry {
  names: readonly string[];
  load(): Promise<CommandModule>;
}

/** Every `slipway` subcommand, in help order. Add a new command module here. */
export const commands: readonly CommandEntry[] = [
  { names: ['lint'], load: () => import('./lint/index.js') },
  { names: ['plan'], load: () => import('./plan/index.js') },
  { names: ['exec'], load: () => import('./exec/index.js') },
  { names: ['build'], load: () => import('./build/index.js') },
  { names: ['pull'], load: () => import('./pull/index.js') },
  { names: ['push'], load: () => import('./push/index.js') },
  { names: ['login', 'logout'], load: () => import('./login/index.js') },
  { names: ['images'], load: () => import('./images/index.js') },
  { names: ['up'], load: () => import('./up/index.js') },
  { names: ['server'], load: () => import('./server/index.js') },
  { names: ['runner'], load: () => import('./runner/index.js') },
  { names: ['repo'], load: () => import('./repo/index.js') },
  { names: ['token'], load: () => import('./token/index.js') },
];

/**
 * The entries to register for `argv` (node's, the command name at [2]): only the named
 * command's when there is one, else all of them (`--help`, `help`, a typo to suggest for).
 */
export function commandsFor(argv: readonly string[]): readonly CommandEntry[] {
  const name = argv[2];
  const named = commands.filter((c) => name !== undefined && c.names.includes(name));
  return named.length > 0 ? named : commands;
}
