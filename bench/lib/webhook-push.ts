import { createHmac, randomUUID } from 'node:crypto';
import type { CiSystem } from '../../test/helpers/ci-system.js';

/**
 * Registers `name` (GitHub forge) with `work`'s directory as its clone URL and returns `push`:
 * sends the signed push webhook GitHub sends for one commit `sha` on main (`before` the last
 * pushed head, `paths` its changed paths) and resolves with the id of the run it started. No
 * hook runs: the benchmark process sends every webhook itself, so it times them.
 */
export async function githubPusher(
  ci: CiSystem,
  name: string,
  work: { dir: string; sha: string },
): Promise<(sha: string, paths?: string[]) => Promise<string>> {
  const secret = `wh-${randomUUID()}`;
  const added = await ci.cli([
    'repo',
    'add',
    name,
    '--clone-url',
    work.dir,
    '--forge',
    'github',
    '--webhook-secret',
    secret,
  ]);
  if (added.code !== 0) throw new Error(added.out);
  let head = work.sha;
  return async (sha, paths = []) => {
    const author = { name: 'bench', email: 'bench@example.com' };
    const commit = { id: sha, message: 'push', author, added: [], removed: [], modified: paths };
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      before: head,
      after: sha,
      commits: [commit],
      head_commit: commit,
      repository: { full_name: name, clone_url: work.dir, default_branch: 'main' },
    });
    head = sha;
    const res = await fetch(`${ci.url}/hooks/github`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
    });
    const answer = (await res.json()) as { runs?: Array<{ id: string }> };
    const id = answer.runs?.[0]?.id;
    if (!id) throw new Error(`the webhook started no run: ${res.status} ${JSON.stringify(answer)}`);
    return id;
  };
}
