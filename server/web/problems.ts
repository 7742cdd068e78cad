import { html } from 'hono/html';
import { pipelineSource, type RunsDeps } from '../runs/index.js';
import type { RunRecord } from '../store/index.js';

type Problem = RunRecord['problems'][number];
/** Lines of context shown around each problem's line. */
const CONTEXT = 3;

/** The source lines to show of a file: every problem line with CONTEXT around it, merged. */
function shownLines(problems: readonly Problem[], lineCount: number): number[][] {
  const ranges: number[][] = [];
  for (const line of [...new Set(problems.map((p) => p.line))].sort((a, b) => a - b)) {
    const from = Math.max(1, line - CONTEXT);
    const to = Math.min(lineCount, line + CONTEXT);
    const last = ranges.at(-1);
    if (last && from <= (last[1] ?? 0) + 1) last[1] = Math.max(last[1] ?? 0, to);
    else ranges.push([from, to]);
  }
  return ranges;
}

function fileWithProblems(file: string, source: string, problems: readonly Problem[]) {
  const lines = source.replace(/\n$/, '').split('\n');
  const ranges = shownLines(problems, lines.length);
  const rows = ranges.map(
    ([from = 1, to = 1], i) =>
      html`${i > 0 ? html`<li class="gap" aria-hidden="true">⋯</li>` : ''}${Array.from(
        { length: to - from + 1 },
        (_, k) => {
          const n = from + k;
          const here = problems.filter((p) => p.line === n);
          return html`<li value="${n}" class="${here.length ? 'src problem' : 'src'}" data-line="${n}"><code>${lines[n - 1] ?? ''}</code></li>${here.map(
            (p) =>
              html`<li class="annotation" data-line="${n}"><span class="caret">${' '.repeat(Math.max(0, p.col - 1))}^</span> <span class="message">${p.message}</span></li>`,
          )}`;
        },
      )}`,
  );
  return html`<figure class="source" data-file="${file}"><figcaption><code>${file}</code></figcaption><ol>${rows}</ol></figure>`;
}

/**
 * Why a run is in error: each positioned problem shown beside its line of the pipeline file at
 * the run's commit (read from the server's mirror), with a few lines around it; problems without
 * a line, or whose file cannot be read, as a list.
 */
export async function problemsSection(deps: Pick<RunsDeps, 'dataDir'>, run: RunRecord) {
  if (run.problems.length === 0) return '';
  const files = [...new Set(run.problems.filter((p) => p.line > 0).map((p) => p.file))];
  const sources = new Map<string, string>();
  for (const file of files) {
    const text = await pipelineSource(deps, run.repo, run.trigger.commit.sha, file);
    if (text !== undefined) sources.set(file, text);
  }
  const listed = run.problems.filter((p) => !sources.has(p.file) || p.line === 0);
  return html`<section class="problems"><h2>Problems</h2>
${[...sources].map(([file, text]) =>
  fileWithProblems(
    file,
    text,
    run.problems.filter((p) => p.file === file && p.line > 0),
  ),
)}
${listed.length ? html`<ul>${listed.map((p) => html`<li><code class="where">${p.file}${p.line > 0 ? `:${p.line}:${p.col}` : ''}</code> <span class="message">${p.message}</span></li>`)}</ul>` : ''}
</section>`;
}
