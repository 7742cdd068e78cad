import type { Repo } from '../store/index.js';

/**
 * The forge's web page of a repository, from its clone URL (`https://host/o/n.git`,
 * `git@host:o/n.git`, `ssh://git@host/o/n.git` → `https://host/o/n`); undefined for a local
 * path or a URL that does not name a web host.
 */
export function repoWebUrl(repo: Repo): string | undefined {
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(repo.cloneUrl);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  let url: URL;
  try {
    url = new URL(repo.cloneUrl);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol) || !url.hostname) return undefined;
  const path = url.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '');
  if (path.length <= 1) return undefined;
  // A web URL keeps its port; an ssh or git one's port is not the web server's.
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return `${web ? url.protocol : 'https:'}//${web ? url.host : url.hostname}${path}`;
}

/** The forge's page of a commit (GitLab's under `/-/commit/`), when the repository has one. */
export function commitWebUrl(repo: Repo, sha: string): string | undefined {
  const base = repoWebUrl(repo);
  if (!base || !/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  return `${base}${repo.forge === 'gitlab' ? '/-/commit/' : '/commit/'}${sha}`;
}
