import { html } from 'hono/html';
import { runView } from '../api/index.js';
import type { RunsDeps } from '../runs/index.js';
import type { Repo, RunRecord } from '../store/index.js';
import { commitWebUrl } from './forge-links.js';
import { type JobView, jobGraph } from './job-graph.js';
import { page, pollEvery, stateLabel } from './page.js';
import { problemsSection } from './problems.js';
import type { Viewer } from './session.js';
import { formatDuration, runDuration, timeAgo } from './time.js';

/** Cancel while the run goes on; re-run (and re-run failed jobs) once it ended. Viewers with a token only. */
function controls(run: RunRecord, viewer: Viewer | undefined) {
  if (!viewer) return html`<div class="controls" data-live="controls"></div>`;
  const form = (action: string, label: string, extra = '') =>
    html`<form method="post" action="/runs/${run.id}/${action}"><input type="hidden" name="_csrf" value="${viewer.csrf}">${extra ? html`<input type="hidden" name="failed" value="true">` : ''}<button type="submit" data-action="${action}${extra}">${label}</button></form>`;
  if (run.status === 'pending' || run.status === 'running')
    return html`<div class="controls" data-live="controls">${form('cancel', 'Cancel run')}</div>`;
  return html`<div class="controls" data-live="controls">${form('rerun', 'Re-run')}${run.status === 'failure' ? form('rerun', 'Re-run failed jobs', '-failed') : ''}</div>`;
}

function jobRow(j: JobView, now: number) {
  const ms = j.startedAt !== undefined ? (j.finishedAt ?? now) - j.startedAt : undefined;
  return html`<tr data-job="${j.planId}">
<td>${stateLabel(j.state)}</td>
<td><a href="/jobs/${j.id}">${j.name}</a>${j.allowFailure ? html` <span class="muted">(may fail)</span>` : ''}</td>
<td class="duration">${ms === undefined ? '–' : formatDuration(ms)}</td>
<td>${j.runner ?? ''}</td>
<td class="detail">${j.pendingReason ? html`<span class="pending">${j.pendingReason}</span>` : ''}${j.error ? html`<span class="error">${j.error.message}</span>` : ''}${
    j.image
      ? html`<span class="image"><code title="${j.image.digest}">${j.image.digest.slice(0, 19)}</code> ${j.image.refs.map((r) => html`<code class="ref">${r}</code> `)}${j.image.pushed ? '' : '(not pushed)'}</span>`
      : ''
  }</td>
</tr>`;
}

/**
 * One run (`/runs/{id}`): its trigger and commit, why it is in error (each positioned problem
 * beside its line of the file),
 * the job graph drawn from `needs`, and each job with its state, duration, runner, why it waits,
 * its error and the image it pushed. While the run goes on the page updates itself (`poll`).
 */
export async function runPage(deps: RunsDeps, repo: Repo, run: RunRecord, now: number, viewer?: Viewer) {
  const view = await runView(deps.redis, run);
  const t = run.trigger;
  const commitUrl = commitWebUrl(repo, t.commit.sha);
  const sha = t.commit.sha.slice(0, 8);
  const ms = runDuration(run, now);
  const body = html`<p class="crumbs"><a href="/repos/${repo.fullName}">${repo.fullName}</a> / ${run.pipeline}</p>
<h1 data-live="title">Run #${run.number} ${stateLabel(run.status)}</h1>
${controls(run, viewer)}
<p class="run-meta" data-live="meta"><span class="subject">${t.commit.message.split('\n')[0] || '(no message)'}</span>
${commitUrl ? html`<a class="sha" href="${commitUrl}">${sha}</a>` : html`<code class="sha">${sha}</code>`}
· ${t.tag ? html`tag <b>${t.tag}</b>` : html`<b>${t.branch ?? ''}</b>`}${t.pullRequest ? html` · PR #${t.pullRequest.number} → ${t.pullRequest.targetBranch}` : ''}
· ${t.commit.author} · ${t.kind} · ${timeAgo(run.startedAt ?? run.createdAt, now)}${ms !== undefined ? ` · ${formatDuration(ms)}` : ''}
${run.rerunOf ? html` · re-run of <a href="/runs/${run.rerunOf}">an earlier run</a>` : ''} · <code>${run.file}</code></p>
${await problemsSection(deps, run)}
<div data-live="jobs">
${view.jobs.length > 0 ? jobGraph(view.jobs, now) : ''}
${
  view.jobs.length > 0
    ? html`<div class="table-wrap"><table class="jobs"><thead><tr><th>State</th><th>Job</th><th>Duration</th><th>Runner</th><th>Details</th></tr></thead>
<tbody>${view.jobs.map((j) => jobRow(j, now))}</tbody></table></div>`
    : ''
}
</div>`;
  const live = run.status === 'pending' || run.status === 'running';
  return page({
    title: `${repo.fullName} #${run.number}`,
    state: run.status,
    body,
    viewer,
    poll: live ? pollEvery(true) : undefined,
  });
}
