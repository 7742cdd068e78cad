import type { Command } from 'commander';
import { addServerFlags } from '../../flags.js';
import type { RepoAddOptions, RepoListOptions, SecretSetOptions } from './run.js';

/**
 * `slipway repo add|list|secret set`: registers repositories and their secrets on a Slipway
 * server through its API. Secret values come from a variable, a file or stdin, never argv.
 */
export function register(program: Command): void {
  const repo = program.command('repo').description('register repositories and their secrets on the server');
  addServerFlags(
    repo
      .command('add')
      .argument('<owner/name>', 'the repository, as the forge names it (GitLab: the path with its namespace)')
      .description('register a repository (again: update it)')
      .requiredOption('--clone-url <url>', 'the only URL the server fetches from')
      .requiredOption('--forge <forge>', 'github | gitlab | gitea (Forgejo: gitea)'),
  )
    .option('--webhook-secret <secret>', 'shared secret of the webhook (default: $SLIPWAY_WEBHOOK_SECRET)')
    .option(
      '--status-token <token>',
      'token for commit statuses on the forge (default: $SLIPWAY_STATUS_TOKEN)',
    )
    .option('--api-url <url>', "the forge's API base URL for commit statuses (needed for gitea)")
    .option('--public', 'runs and logs readable without a token')
    .option('--default-branch <branch>', 'the default branch (default main)')
    .action(async (name: string, opts: RepoAddOptions) => (await import('./run.js')).repoAdd(name, opts));

  addServerFlags(repo.command('list').description('list registered repositories'))
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: RepoListOptions) => (await import('./run.js')).repoList(opts));

  const secret = repo.command('secret').description("set a repository's secrets");
  addServerFlags(
    secret
      .command('set')
      .argument('<owner/name>', 'the repository')
      .argument('<name>', 'the secret, as `secrets:` names it')
      .description('set a secret (value from --value-from-env, --value-file, else standard input)'),
  )
    .option('--value-from-env <var>', 'take the value from this environment variable')
    .option('--value-file <file>', 'take the value from this file (one trailing newline dropped)')
    .action(async (repoName: string, name: string, opts: SecretSetOptions) =>
      (await import('./run.js')).secretSet(repoName, name, opts),
    );
}
