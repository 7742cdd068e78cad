import { html } from 'hono/html';
import type { LogEntry } from '../../pipelines/index.js';
import { formatSize } from '../../runner/executor/index.js';
import { apiLine, artifactUrl } from '../api/index.js';
import type { JobRecord, LogOutline, Repo, RunRecord } from '../store/index.js';
import { JOB_MODULES } from './client-assets.js';
import { page, stateLabel } from './page.js';
import type { Viewer } from './session.js';
import { STATE_WORDS } from './states.js';
import { formatDuration } from './time.js';

/** The modules job.js imports, fetched with it rather than after it. */
const PRELOAD = html`${JOB_MODULES.map((f) => html`<link rel="modulepreload" href="/assets/${f}">`)}`;

function stepItem(s: JobRecord['steps'][number]) {
  const ms = s.result?.durationMs;
  return html`<li data-step="${s.name}"><span class="step-state">${stateLabel(s.status)}</span> <span class="step-name">${s.name}</span> <span class="duration muted">${ms === undefined ? '' : formatDuration(ms)}</span></li>`;
}

/** The job's artifacts: download links when its runner uploaded them, else where they are. */
function artifactList(job: JobRecord) {
  if (!job.artifacts?.length) return '';
  const sizes = new Map(job.artifactsStored?.files.map((f) => [f.path, f.size]));
  const item = (path: string) => {
    const size = sizes.get(path);
    return job.artifactsStored
      ? html`<li><a href="${artifactUrl(job.id, path)}" download>${path}</a> <span class="muted">${size === undefined ? '' : formatSize(size)}</span></li>`
      : html`<li>${path}</li>`;
  };
  const where = job.artifactsStored
    ? ''
    : html`<p class="muted">Kept on the host of runner ${job.runner ?? '?'} only (no artifact registry).</p>`;
  return html`<details class="artifacts" open><summary>Artifacts (${job.artifacts.length})</summary>${where}<ul>${job.artifacts.map(item)}</ul></details>`;
}

/**
 * One job (`/jobs/{id}`): its steps with state and duration, its artifacts, and its log, which the page's
 * script (`/assets/job.js`) lays the log out from its outline (in the page, as it was when the
 * page was made, with the log's last lines, where it opens) and reads from the API the lines in view a page at a time, and live lines over SSE while the job runs, resuming after a dropped connection — and
 * shows virtualised, with ANSI colours, line links, per-step sections, wrapping and search run
 * on the server.
 */
export function jobPage(
  {
    repo,
    run,
    job,
    outline,
    tail,
  }: { repo: Repo; run: RunRecord; job: JobRecord; outline: LogOutline; tail: readonly LogEntry[] },
  viewer?: Viewer,
) {
  const body = html`<p class="crumbs"><a href="/repos/${repo.fullName}">${repo.fullName}</a> / <a href="/runs/${run.id}">run #${run.number}</a></p>
<h1>${job.name} <span id="job-state">${stateLabel(job.state)}</span></h1>
${job.error ? html`<p class="job-error">${job.error.message}</p>` : ''}
<ol class="steps">${job.steps.map(stepItem)}</ol>
${artifactList(job)}
<div class="log-tools">
<button type="button" id="follow" hidden>Follow</button>
<label><input type="checkbox" id="show-times"> Timestamps</label>
<label><input type="checkbox" id="wrap-lines"> Wrap lines</label>
<span class="log-search"><input type="search" id="log-search" placeholder="Search the log" aria-label="Search the log"><button type="button" id="search-prev" aria-label="Previous match" title="Previous match (Shift+Enter)">↑</button><button type="button" id="search-next" aria-label="Next match" title="Next match (Enter)">↓</button> <span id="search-status" class="muted" aria-live="polite"></span></span>
<span id="log-count" class="muted"></span>
<a href="/api/jobs/${job.id}/log" download="${job.id}.log">Download raw</a>
</div>
<div id="log" class="log" tabindex="0" data-job="${job.id}" data-state="${job.state}" data-outline="${JSON.stringify(outline)}" data-tail="${JSON.stringify(tail.map(apiLine))}" data-words="${JSON.stringify(STATE_WORDS)}" aria-label="job log"><div class="log-space"><div class="log-rows"></div></div></div>
<script type="module" src="/assets/job.js"></script>`;
  return page({
    title: `${job.name} · ${repo.fullName} #${run.number}`,
    state: job.state,
    body,
    viewer,
    head: PRELOAD,
  });
}
