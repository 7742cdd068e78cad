import { html } from 'hono/html';
import type { Redis } from '../../lib/redis.js';
import { FINAL_RUN_STATUSES, listRuns, type Repo } from '../store/index.js';
import { page, pollEvery, stateLabel } from './page.js';
import type { Viewer } from './session.js';
import { durationSparkline } from './sparkline.js';
import { timeAgo } from './time.js';

/** How many of a default branch's runs the trend shows. */
const TREND_RUNS = 30;

/**
 * The repositories page (`/`): each repository the viewer may see, with the state of the last
 * run on its default branch, when it ran, and the durations of its last 30 runs there; kept
 * up to date in place (`pollEvery`).
 */
export async function reposPage(redis: Redis, repos: readonly Repo[], now: number, viewer?: Viewer) {
  let going = false;
  const rows = await Promise.all(
    [...repos]
      .sort((a, b) => a.fullName.localeCompare(b.fullName))
      .map(async (repo) => {
        const runs = await listRuns(redis, repo.fullName, {
          branch: repo.defaultBranch,
          perPage: TREND_RUNS,
        });
        const last = runs[0];
        if (last && !FINAL_RUN_STATUSES.includes(last.status)) going = true;
        return html`<li data-repo="${repo.fullName}">
<div class="repo-main"><a class="repo-name" href="/repos/${repo.fullName}">${repo.fullName}</a>
<div class="repo-meta">${repo.defaultBranch} · ${repo.forge}${repo.public ? '' : ' · private'}${last ? html` · #${last.number} ${timeAgo(last.createdAt, now)}` : ''}</div></div>
${durationSparkline(runs, now)}
${stateLabel(last?.status ?? 'none')}
</li>`;
      }),
  );
  const body =
    rows.length > 0
      ? html`<h1>Repositories</h1><ul class="repos" data-live="repos">${rows}</ul>`
      : html`<h1>Repositories</h1><p class="empty">No repositories yet. Add one with <code>slipway repo add OWNER/NAME --clone-url URL --forge github</code>.</p>`;
  return page({ title: 'Repositories', body, viewer, poll: pollEvery(going) });
}
