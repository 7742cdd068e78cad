import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** `url` with any user/password replaced by `***`, for messages and the stored remote. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** Host variables git may see: the PATH to find it, and proxies to reach the repository. */
const PASSED = ['PATH', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

/**
 * The environment git runs with: nothing of the runner's own environment but PATH and proxies
 * (no editor, pager, askpass or GIT_* settings); the host's git config (system and global),
 * credential helpers and ssh agent are not used, and git never prompts, so only what the URL
 * itself carries is sent.
 */
function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  // A HOME without files: no ~/.gitconfig, ~/.git-credentials or ~/.ssh keys are used.
  return { ...env, HOME: '/nonexistent', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
}

/**
 * Checks out exactly `commit` (a full sha) of the repository at `url` into the empty dir `dest`
 * (detached HEAD). Fetches only that commit when the server allows it, else every branch.
 * Credentials in `url` are used for the fetch but never written: the workspace's `origin` and
 * every message carry the redacted URL. A missing commit is a permanent error naming the
 * repository and commit; a failed fetch a temporary one. The caller owns `dest`.
 */
export async function checkoutCommit(url: string, commit: string, dest: string): Promise<void> {
  const shown = redactUrl(url);
  // No `cause`: git's own message may hold the URL's credentials, and errors get logged.
  const fail = (why: string, category: 'permanent' | 'temporary') =>
    new SlipwayError(`could not check out commit ${commit} of ${shown}: ${why}`, {
      category,
      context: { repo: shown, commit },
    });
  if (!COMMIT.test(commit)) throw fail('not a full commit sha', 'permanent');
  if (url.startsWith('-') || url.trim() === '') throw fail('not a repository URL', 'permanent');
  const started = Date.now();
  const git = simpleGit({
    baseDir: dest,
    allowEnvironment: ['GIT_CONFIG_NOSYSTEM', 'GIT_TERMINAL_PROMPT'],
  }).env(gitEnv());
  await git.init().addRemote('origin', shown);
  try {
    await git
      .fetch([url, '--depth=1', commit])
      .catch(() => git.fetch([url, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']));
  } catch (err) {
    throw fail(redact((err as Error).message, url), 'temporary');
  }
  const found = await git.catFile(['-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (!found) throw fail('no such commit in the repository', 'permanent');
  await git.checkout(['--detach', commit]);
  await rm(join(dest, '.git', 'FETCH_HEAD'), { force: true });
  log.debug({ url: shown, commit, ms: Date.now() - started }, 'workspace cloned');
}

function redact(message: string, url: string): string {
  const creds = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url)?.[1];
  const text = message.split(url).join(redactUrl(url));
  return creds ? text.split(creds).join('***') : text;
}
