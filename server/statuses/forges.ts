import type { Forge, ParsedCommitStatus, StatusState } from './status.js';

/**
 * Longest description sent (GitHub's documented limit, the shortest of the three; GitLab takes
 * 255). Longer ones are cut with "…" so every forge shows the same text.
 */
export const MAX_DESCRIPTION_CHARS = 140;

/** API base used when a repository names none; Gitea and Forgejo are always self-hosted. */
export const DEFAULT_API_URLS: Record<Forge, string | undefined> = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com/api/v4',
  gitea: undefined,
};

/** GitHub `state`: error, failure, pending, success. */
const GITHUB_STATES: Record<StatusState, string> = {
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failure: 'failure',
  cancelled: 'error',
  error: 'error',
};

/** GitLab `state`: pending, running, success, failed, canceled. */
const GITLAB_STATES: Record<StatusState, string> = {
  pending: 'pending',
  running: 'running',
  success: 'success',
  failure: 'failed',
  cancelled: 'canceled',
  error: 'failed',
};

/** Gitea/Forgejo `state` (pending, success, error, failure, warning): GitHub's mapping. */
const GITEA_STATES: Record<StatusState, string> = GITHUB_STATES;

/** The one HTTP request that sets a commit status; `headers` hold the token (never log them). */
export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

/** `repo` as a path: `owner/name` with each part encoded. */
function ownerName(repo: string): string {
  return repo.split('/').map(encodeURIComponent).join('/');
}

function cut(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_DESCRIPTION_CHARS
    ? text
    : `${chars.slice(0, MAX_DESCRIPTION_CHARS - 1).join('')}…`;
}

/** The forge's request for `s`, or why none is sent (`skip`): no token, or no API URL (Gitea). */
export function statusRequest(s: ParsedCommitStatus): StatusRequest | { skip: string } {
  if (!s.token) return { skip: `no status token configured for ${s.repo}` };
  const api = (s.apiUrl ?? DEFAULT_API_URLS[s.forge])?.replace(/\/+$/, '');
  if (!api) return { skip: `no ${s.forge} API URL configured for ${s.repo}` };
  const description = cut(s.description);
  const link: Record<string, string> = s.targetUrl ? { target_url: s.targetUrl } : {};
  const json = { 'Content-Type': 'application/json', 'User-Agent': 'slipway' };
  if (s.forge === 'gitlab') {
    return {
      url: `${api}/projects/${encodeURIComponent(s.repo)}/statuses/${s.commit}`,
      headers: { ...json, 'PRIVATE-TOKEN': s.token },
      body: { state: GITLAB_STATES[s.state], name: s.context, description, ...link },
    };
  }
  const path = `${api}/repos/${ownerName(s.repo)}/statuses/${s.commit}`;
  if (s.forge === 'github') {
    return {
      url: path,
      headers: {
        ...json,
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${s.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
      },
      body: { state: GITHUB_STATES[s.state], context: s.context, description, ...link },
    };
  }
  return {
    url: path,
    headers: { ...json, Accept: 'application/json', Authorization: `token ${s.token}` },
    body: { state: GITEA_STATES[s.state], context: s.context, description, ...link },
  };
}
