/** Host variables git may see: the PATH to find it, and proxies to reach the repository. */
const PASSED = ['PATH', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

/**
 * The environment git runs with: nothing of this process's environment but PATH and proxies
 * (no editor, pager, askpass or GIT_* settings); the host's git config (system and global),
 * credential helpers and ssh agent are not used, and git never prompts, so only what the URL
 * itself carries is sent.
 */
export function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  // A HOME without files: no ~/.gitconfig, ~/.git-credentials or ~/.ssh keys are used.
  return { ...env, HOME: '/nonexistent', LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
}
