import { log } from '../../lib/log.js';
import { type LoadedPipeline, type PlanEvent, planRun } from '../../pipelines/index.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import {
  createRun,
  type JobRecord,
  newRunId,
  nextRunNumber,
  type Repo,
  type RunRecord,
  type RunTrigger,
} from '../store/index.js';
import type { WebhookEvent, WebhookOutcome } from '../webhooks/index.js';
import { advanceRun } from './advance.js';
import { cancelRun } from './cancel.js';
import { carryJobs } from './carry.js';
import type { RunsDeps } from './deps.js';
import { type EventPipelines, eventPipelines, type PushedSince } from './event-pipelines.js';
import { reportRunStatus } from './forge-status.js';

const logger = log.child({ module: 'server/runs' });

/** What starts runs: a webhook's event (or a manual trigger), whether it is from a fork, its delivery. */
export interface RunRequest {
  event: WebhookEvent;
  fromFork: boolean;
  deliveryId?: string;
  /** Only this pipeline file (a re-run). */
  file?: string;
  rerunOf?: string;
  /**
   * Finished jobs of an earlier run whose results the new run takes over instead of running
   * them (a failed-jobs re-run), by plan id; see carryJobs.
   */
  carry?: ReadonlyMap<string, JobRecord>;
  /** What the push changed since its previous commit, when its payload proves it (eventPipelines). */
  since?: PushedSince;
}

/** The request a verified webhook delivery makes: its event, fork flag, delivery id and `since`. */
export function webhookRunRequest(outcome: Extract<WebhookOutcome, { kind: 'run' }>): RunRequest {
  const { event, fromFork, deliveryId, since } = outcome;
  return {
    event,
    fromFork,
    deliveryId,
    ...(since && event.changedPaths ? { since: { commit: since, changedPaths: event.changedPaths } } : {}),
  };
}

/**
 * Starts one run per pipeline file of the event's commit that the event triggers: reads the
 * commit's pipeline files through the repository's mirror (fetched from the registered clone
 * URL; see eventPipelines for a push that proves them unchanged), plans them, stores the runs
 * and queues their first jobs. An unreachable commit or an
 * invalid pipeline file becomes a run in `error` carrying the messages; a pipeline whose
 * triggers do not match starts nothing (logged). Returns the runs made, in file order.
 */
export async function startRuns(deps: RunsDeps, repo: Repo, req: RunRequest): Promise<RunRecord[]> {
  const sha = req.event.commit.sha;
  const trigger: RunTrigger = {
    kind: req.event.kind,
    ...(req.event.branch !== undefined ? { branch: req.event.branch } : {}),
    ...(req.event.tag !== undefined ? { tag: req.event.tag } : {}),
    commit: req.event.commit,
    ...(req.event.changedPaths ? { changedPaths: req.event.changedPaths } : {}),
    ...(req.event.pullRequest ? { pullRequest: req.event.pullRequest } : {}),
    fromFork: req.fromFork,
    ...(req.deliveryId ? { deliveryId: req.deliveryId } : {}),
  };
  let loaded: LoadedPipeline[];
  let confirmed: EventPipelines['confirmed'];
  try {
    const mirror = dataDirPaths.serverMirror(deps.dataDir, repo.fullName);
    ({ loaded, confirmed } = await eventPipelines(mirror, repo.cloneUrl, sha, req.since));
  } catch (err) {
    const message = (err as Error).message;
    logger.warn({ repo: repo.fullName, commit: sha, error: message }, 'commit not readable');
    return [await errorRun(deps, repo, trigger, '', [{ file: '', line: 0, col: 0, message }], req.rerunOf)];
  }
  if (req.file !== undefined) loaded = loaded.filter((l) => l.file === req.file);
  if (loaded.length === 0)
    logger.info({ repo: repo.fullName, commit: sha }, 'no pipeline files: nothing to run');
  const event = (run: PlanEvent['run']): PlanEvent => ({
    ...req.event,
    repo: { name: repo.fullName, url: repo.cloneUrl, defaultBranch: repo.defaultBranch },
    run,
  });
  const runs: RunRecord[] = [];
  for (const { file, result } of loaded) {
    if (!result.ok) {
      runs.push(await errorRun(deps, repo, trigger, file, result.errors, req.rerunOf));
      continue;
    }
    const probe = planRun(result, event({ id: 'probe', number: 1 }));
    if (!probe.ok) {
      runs.push(await errorRun(deps, repo, trigger, file, probe.errors, req.rerunOf, result.name));
      continue;
    }
    if (!probe.plan.triggered) {
      logger.info({ repo: repo.fullName, file, reason: probe.plan.reason }, 'pipeline not triggered');
      continue;
    }
    const id = newRunId();
    const number = await nextRunNumber(deps.redis, repo.fullName);
    const planned = planRun(result, event({ id, number }));
    if (!planned.ok) {
      runs.push(await errorRun(deps, repo, trigger, file, planned.errors, req.rerunOf, result.name));
      continue;
    }
    const run = await createRun(deps.redis, {
      id,
      repo: repo.fullName,
      number,
      pipeline: planned.plan.pipeline,
      file,
      status: 'pending',
      trigger,
      problems: [],
      ...(req.rerunOf ? { rerunOf: req.rerunOf } : {}),
      jobs: planned.plan.jobs.map((j) => ({ planId: j.id, name: j.name, layer: j.layer, spec: j.spec })),
    });
    if (req.carry) await carryJobs(deps.redis, run, req.carry);
    logger.info({ repo: repo.fullName, run: id, number, file, jobs: run.jobs.length }, 'run started');
    runs.push((await advanceRun(deps, id)) ?? run);
  }
  void confirmed?.then((seen) => (seen === 'changed' ? replan(deps, repo, req, runs) : undefined));
  return runs;
}

/**
 * Runs planned from the previous commit's pipeline files, which the pushed commit turned out
 * to change although the payload listed no such change: they are cancelled and the push is
 * planned again from the pushed commit itself.
 */
async function replan(deps: RunsDeps, repo: Repo, req: RunRequest, planned: RunRecord[]): Promise<void> {
  const { since: _since, ...request } = req;
  logger.error(
    { repo: repo.fullName, commit: req.event.commit.sha, runs: planned.map((r) => r.id) },
    'the push changed pipeline files its payload did not list: runs cancelled and planned again',
  );
  try {
    for (const run of planned) await cancelRun(deps, run.id);
    await startRuns(deps, repo, request);
  } catch (err) {
    logger.error({ repo: repo.fullName, error: (err as Error).message }, 'planning the push again failed');
  }
}

async function errorRun(
  deps: RunsDeps,
  repo: Repo,
  trigger: RunTrigger,
  file: string,
  problems: RunRecord['problems'],
  rerunOf: string | undefined,
  pipeline = file,
): Promise<RunRecord> {
  const run = await createRun(deps.redis, {
    id: newRunId(),
    repo: repo.fullName,
    number: await nextRunNumber(deps.redis, repo.fullName),
    pipeline,
    file,
    status: 'error',
    trigger,
    problems,
    ...(rerunOf ? { rerunOf } : {}),
    jobs: [],
  });
  void reportRunStatus(deps, run, 'error');
  return run;
}
