import type { JobState, RunStatus } from '../store/index.js';

/** Every state a page shows: a run's status or a job's state. */
export type ShownState = RunStatus | JobState | 'none';

/** The words shown for a state (badges, labels, titles). */
export const STATE_WORDS: Record<ShownState, string> = {
  pending: 'pending',
  waiting: 'waiting',
  queued: 'queued',
  running: 'running',
  success: 'passing',
  failure: 'failing',
  cancelled: 'cancelled',
  error: 'error',
  skipped: 'skipped',
  none: 'no runs',
};

/** A state's colour (badges, sparkline bars, favicons): one palette for light and dark pages. */
export const STATE_COLOURS: Record<ShownState, string> = {
  pending: '#8b949e',
  waiting: '#8b949e',
  queued: '#8b949e',
  running: '#d29922',
  success: '#2da44e',
  failure: '#cf222e',
  cancelled: '#6e7781',
  error: '#a40e26',
  skipped: '#6e7781',
  none: '#8b949e',
};

/** Whether `s` names a state (a favicon route's parameter, say). */
export function isShownState(s: string): s is ShownState {
  return Object.hasOwn(STATE_WORDS, s);
}
