import { log } from '../../lib/log.js';
import type { RunRecord, RunStatus } from '../store/index.js';
import type { RunsDeps } from './deps.js';

const logger = log.child({ module: 'server/runs/status' });

/** What a commit status says for a run state. */
const DESCRIPTIONS: Record<RunStatus, string> = {
  pending: 'waiting for a runner',
  running: 'running',
  success: 'passed',
  failure: 'failed',
  cancelled: 'cancelled',
  error: 'could not start: see the run',
};

/**
 * Tells the repository's forge the run's state (context `slipway/<pipeline>`, a link to the
 * run). Skipped when no reporter is configured; never throws (a failure is logged, the run goes on).
 */
export async function reportRunStatus(deps: RunsDeps, run: RunRecord, state: RunStatus): Promise<void> {
  if (!deps.statuses) return;
  try {
    const repo = await deps.repos.get(run.repo);
    if (!repo) return;
    const token = await deps.repos.statusToken(run.repo);
    const report = await deps.statuses.report({
      forge: repo.forge,
      ...(repo.apiUrl ? { apiUrl: repo.apiUrl } : {}),
      ...(token ? { token } : {}),
      repo: run.repo,
      commit: run.trigger.commit.sha,
      state,
      context: `slipway/${run.pipeline}`,
      description: `Run #${run.number} ${DESCRIPTIONS[state]}`,
      targetUrl: `${deps.publicUrl}/api/runs/${run.id}`,
    });
    if (!report.ok && 'error' in report)
      logger.warn({ run: run.id, error: report.error }, 'commit status not sent');
  } catch (err) {
    logger.warn({ err, run: run.id }, 'commit status not sent');
  }
}
