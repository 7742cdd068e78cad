import { styleText } from 'node:util';
import type { JobResult, StepResult } from '../../pipelines/index.js';
import type { ExecutorEvents } from '../../runner/executor/index.js';

type Style = Parameters<typeof styleText>[0];

/** Seconds with one decimal: `1.2s`. */
export function formatDuration(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/**
 * Prints executor events the way `slipway exec` shows them: a header per job and step, each
 * output line indented (stderr marked), a result line with the duration. Colours only on a TTY.
 */
export function terminalReporter(out: NodeJS.WriteStream = process.stdout): ExecutorEvents {
  const color = out.isTTY === true && !process.env.NO_COLOR;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  const write = (text: string) => out.write(`${text}\n`);
  return {
    jobStarted(spec, attempt) {
      const retry = attempt > 1 ? paint('yellow', ` (attempt ${attempt} of ${spec.retry + 1})`) : '';
      write(paint('bold', `\n▶ job ${spec.job.name}`) + retry);
    },
    stepStarted(step, attempt) {
      const retry = attempt > 1 ? paint('yellow', ` (attempt ${attempt})`) : '';
      write(paint('cyan', `── ${step.name}`) + paint('dim', ` [${step.image}]`) + retry);
    },
    log(source, line) {
      const where =
        source.startsWith('service:') || source === 'setup' ? paint('dim', `${source} │ `) : '   ';
      write(line.stream === 'stderr' ? `${where}${paint('yellow', line.text)}` : `${where}${line.text}`);
    },
    stepFinished(step, result) {
      if (result.status === 'skipped') write(paint('dim', `── ${step.name}: skipped (when.status)`));
      else write(stepLine(result, paint));
    },
    jobFinished(result) {
      write(jobLine(result, paint));
    },
  };
}

function stepLine(r: StepResult, paint: (s: Style, t: string) => string): string {
  const time = paint('dim', ` (${formatDuration(r.durationMs)})`);
  const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
  if (r.status === 'success') return paint('green', `✔ ${r.name}${tries}`) + time;
  const why = r.message ?? (r.exitCode !== undefined ? `exit code ${r.exitCode}` : r.status);
  return paint('red', `✖ ${r.name}${tries}: ${why}`) + time;
}

function jobLine(r: JobResult, paint: (s: Style, t: string) => string): string {
  const time = r.durationMs ? paint('dim', ` (${formatDuration(r.durationMs)})`) : '';
  const err = r.error ? `: ${r.error.message}` : '';
  const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
  switch (r.status) {
    case 'success':
      return paint('green', `✔ job ${r.name} succeeded${tries}`) + time;
    case 'skipped':
      return paint('dim', `○ job ${r.name} skipped (its needs did not match when.status)`);
    case 'cancelled':
      // Stopped by its own timeout, not by anyone: say so.
      if (r.error?.context.timeoutMs !== undefined)
        return paint('red', `✖ job ${r.name} ${r.error.message}`) + time;
      return paint('yellow', `■ job ${r.name} cancelled${err}`) + time;
    default:
      return r.allowedFailure
        ? paint('yellow', `✖ job ${r.name} failed (allowed)${err}`) + time
        : paint('red', `✖ job ${r.name} failed${tries}${err}`) + time;
  }
}
