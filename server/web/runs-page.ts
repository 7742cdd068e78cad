import { html } from 'hono/html';
import type { Redis } from '../../lib/redis.js';
import {
  FINAL_RUN_STATUSES,
  listRuns,
  type Repo,
  type RunRecord,
  type RunStatus,
  RunStatusSchema,
} from '../store/index.js';
import { commitWebUrl, repoWebUrl } from './forge-links.js';
import { page, pollEvery, stateLabel } from './page.js';
import type { Viewer } from './session.js';
import { formatDuration, runDuration, timeAgo } from './time.js';

/** Runs per page of the list. */
export const RUNS_PER_PAGE = 25;

/** The list's filters and page, from the query string (anything unusable is ignored). */
export interface RunsQuery {
  branch?: string;
  status?: RunStatus;
  page: number;
}

/** `?branch=&status=&page=` as a RunsQuery: an unknown status or a bad page number falls back to none / 1. */
export function runsQuery(q: Record<string, string | undefined>): RunsQuery {
  const page = Number(q.page);
  const status = RunStatusSchema.safeParse(q.status);
  return {
    ...(q.branch ? { branch: q.branch.slice(0, 255) } : {}),
    ...(status.success ? { status: status.data } : {}),
    page: Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1,
  };
}

/** What started a run, in a few words. */
function triggerWords(run: RunRecord): string {
  const t = run.trigger;
  if (t.kind === 'pull_request') return `PR #${t.pullRequest?.number ?? '?'}${t.fromFork ? ' (fork)' : ''}`;
  return t.kind === 'manual' ? 'manual' : t.kind;
}

function runRow(repo: Repo, run: RunRecord, now: number) {
  const t = run.trigger;
  const subject = t.commit.message.split('\n')[0] || '(no message)';
  const sha = t.commit.sha.slice(0, 8);
  const commitUrl = commitWebUrl(repo, t.commit.sha);
  const ms = runDuration(run, now);
  return html`<tr data-run="${run.number}">
<td>${stateLabel(run.status)}</td>
<td><a href="/runs/${run.id}">#${run.number}</a></td>
<td class="ref">${t.tag ? html`<span class="tag">${t.tag}</span>` : (t.branch ?? '')}</td>
<td class="commit"><span class="subject">${subject}</span> ${commitUrl ? html`<a class="sha" href="${commitUrl}">${sha}</a>` : html`<code class="sha">${sha}</code>`}</td>
<td>${t.commit.author}</td>
<td>${triggerWords(run)}</td>
<td>${timeAgo(run.startedAt ?? run.createdAt, now)}</td>
<td class="duration">${ms === undefined ? '–' : formatDuration(ms)}</td>
</tr>`;
}

/** Start the pipelines' manual triggers at a branch's head (logged-in viewers only). */
function triggerForm(repo: Repo, viewer: Viewer) {
  return html`<form class="controls trigger" method="post" action="/repos/${repo.fullName}/trigger">
<input type="hidden" name="_csrf" value="${viewer.csrf}">
<label>Branch <input name="branch" value="${repo.defaultBranch}" required maxlength="255"></label>
<button type="submit" data-action="trigger">Run pipeline</button>
</form>`;
}

/** A link to this list with `change` applied to its query. */
function listHref(repo: Repo, q: RunsQuery, change: Partial<RunsQuery>): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.branch) params.set('branch', next.branch);
  if (next.status) params.set('status', next.status);
  if (next.page > 1) params.set('page', String(next.page));
  const qs = params.toString();
  return `/repos/${repo.fullName}${qs ? `?${qs}` : ''}`;
}

/**
 * A repository's runs (`/repos/{owner}/{name}`), newest first, RUNS_PER_PAGE a page: state,
 * number, branch or tag, commit subject and short sha (linked to the forge), author, trigger,
 * when it started and how long it took; filtered by branch and state. A logged-in viewer can
 * start a manual run at a branch (`notice`: why the last attempt started none).
 */
export async function runsPage(
  redis: Redis,
  repo: Repo,
  q: RunsQuery,
  now: number,
  viewer?: Viewer,
  notice?: string,
) {
  const runs = await listRuns(redis, repo.fullName, { ...q, perPage: RUNS_PER_PAGE });
  const web = repoWebUrl(repo);
  const filtered = q.branch !== undefined || q.status !== undefined;
  const options = RunStatusSchema.options.map(
    (s) => html`<option value="${s}"${q.status === s ? html` selected` : ''}>${s}</option>`,
  );
  const body = html`<h1>${web ? html`<a href="${web}">${repo.fullName}</a>` : repo.fullName}</h1>
${notice ? html`<p class="job-error" role="alert">${notice}</p>` : ''}
${viewer ? triggerForm(repo, viewer) : ''}
<form class="filters" method="get" action="/repos/${repo.fullName}">
<label>Branch <input name="branch" value="${q.branch ?? ''}" placeholder="any" maxlength="255"></label>
<label>State <select name="status"><option value="">any</option>${options}</select></label>
<button type="submit">Filter</button>${filtered ? html` <a href="/repos/${repo.fullName}">clear</a>` : ''}
</form>
${
  runs.length === 0
    ? html`<p class="empty">${filtered || q.page > 1 ? 'No runs match.' : 'No runs yet: push to the repository, or trigger one through the API.'}</p>`
    : html`<div class="table-wrap"><table class="runs">
<thead><tr><th>State</th><th>Run</th><th>Branch</th><th>Commit</th><th>Author</th><th>Trigger</th><th>Started</th><th>Duration</th></tr></thead>
<tbody data-live="runs">${runs.map((r) => runRow(repo, r, now))}</tbody></table></div>`
}
<nav class="pager">${q.page > 1 ? html`<a rel="prev" href="${listHref(repo, q, { page: q.page - 1 })}">← Newer</a>` : ''}
${runs.length === RUNS_PER_PAGE ? html`<a rel="next" href="${listHref(repo, q, { page: q.page + 1 })}">Older →</a>` : ''}</nav>`;
  const going = runs.some((r) => !FINAL_RUN_STATUSES.includes(r.status));
  return page({
    title: repo.fullName,
    state: runs[0]?.status ?? 'none',
    body,
    viewer,
    poll: pollEvery(going),
  });
}
