import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { finishedReportId, parseRunnerReports, type RunnerReport } from '../../pipelines/index.js';
import {
  acknowledgeReports,
  claimStaleReports,
  ensureReportGroup,
  forgetGoneConsumers,
  type ReportEntry,
  readNewReports,
  trimAppliedReports,
} from './report-stream.js';

const logger = log.child({ module: 'server/queue/reports' });

/** An entry given to a server this long ago and not acknowledged is taken over by another (or the same) server. */
export const REPORT_CLAIM_IDLE_MS = 10_000;
/** How often a server takes over stale entries and trims applied ones. */
const UPKEEP_EVERY_MS = 5_000;
/** Deliveries of one entry before it is given up (logged and dropped; the reconciler repairs its job). */
const MAX_DELIVERIES = 20;
const READ_COUNT = 64;
const READ_BLOCK_MS = 2_000;
/** Jobs whose reports are applied at once (one job's reports always in order, one after another). */
const APPLY_CONCURRENCY = 8;

/** The reports consumer of one server; `close()` stops reading and waits for what it applies. */
export interface ReportConsumer {
  close(): Promise<void>;
}

/**
 * The reliable path from runners to servers: every RunnerReport travels in an entry of the
 * report stream (one report, or a batch of one job attempt's, given to `apply` in order), read
 * through the servers' consumer group, so each entry goes to one server. It is acknowledged only
 * once `apply` returned; an entry a server took and never acknowledged (it died, or applying
 * failed) is taken over after REPORT_CLAIM_IDLE_MS by whichever server looks next, up to
 * MAX_DELIVERIES times. So `apply` must be idempotent, and it is (records change by
 * compare-and-set from what they hold). Entries every server is done with are trimmed; pub/sub
 * carries nothing that changes state.
 */
export function consumeReports(
  redis: Redis,
  apply: (reports: RunnerReport[]) => Promise<void>,
  /** Shorter waits for tests: the idle time before a take-over, and how often upkeep runs. */
  timing: { claimIdleMs?: number; upkeepEveryMs?: number } = {},
): ReportConsumer {
  const claimIdleMs = timing.claimIdleMs ?? REPORT_CLAIM_IDLE_MS;
  const upkeepEveryMs = timing.upkeepEveryMs ?? UPKEEP_EVERY_MS;
  const reader = redis.duplicate(); // blocking reads get a connection of their own
  const consumer = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let closed = false;

  /** Applies entries (one job's in order), then acknowledges those applied or unreadable. */
  const handle = async (entries: Array<ReportEntry & { deliveries?: number }>) => {
    const byJob = new Map<string, Array<{ id: string; reports: RunnerReport[] }>>();
    const done: string[] = [];
    const finished: string[] = [];
    for (const entry of entries) {
      const reports = readEntry(entry);
      if (!reports || (entry.deliveries ?? 0) >= MAX_DELIVERIES) {
        if (reports)
          logger.error(
            { entry: entry.id, job: reports[0]?.jobId },
            'runner report given up after repeated failures',
          );
        done.push(entry.id);
        finished.push(...finishedIds(reports ?? []));
        continue;
      }
      const jobId = reports[0]?.jobId as string;
      const queued = byJob.get(jobId);
      if (queued) queued.push({ id: entry.id, reports });
      else byJob.set(jobId, [{ id: entry.id, reports }]);
    }
    const jobs = [...byJob.values()];
    const next = async (): Promise<void> => {
      const batches = jobs.shift();
      if (!batches) return;
      for (const { id, reports } of batches) {
        try {
          await apply(reports);
          done.push(id);
          finished.push(...finishedIds(reports));
        } catch (err) {
          logger.warn({ err, job: reports[0]?.jobId }, 'applying a runner report failed; it is retried');
          break; // this job's later reports wait for it
        }
      }
      return next();
    };
    await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, jobs.length) }, next));
    await acknowledgeReports(redis, done, finished);
  };

  const upkeep = async () => {
    await handle(await claimStaleReports(redis, consumer, claimIdleMs, READ_COUNT));
    await trimAppliedReports(redis);
    await forgetGoneConsumers(redis, consumer, 3_600_000);
  };

  const loop = (async () => {
    let grouped = false;
    let upkeepAt = 0;
    while (!closed) {
      try {
        if (!grouped) await ensureReportGroup(redis);
        grouped = true;
        if (Date.now() - upkeepAt >= upkeepEveryMs) {
          upkeepAt = Date.now();
          await upkeep();
        }
        await handle(
          await readNewReports(reader, consumer, READ_COUNT, Math.min(READ_BLOCK_MS, upkeepEveryMs)),
        );
      } catch (err) {
        if (closed) break;
        // NOGROUP: Redis lost the stream (restarted without its data): make it again.
        if (String((err as Error).message).includes('NOGROUP')) grouped = false;
        else logger.warn({ err }, 'reading runner reports failed; retrying');
        await sleep(500);
      }
    }
  })();

  return {
    async close() {
      closed = true;
      reader.disconnect(); // ends a blocking read at once
      await loop;
    },
  };
}

/** The reports an entry holds, or undefined (logged) when it holds none that can be applied. */
function readEntry(entry: ReportEntry): RunnerReport[] | undefined {
  let input: unknown;
  try {
    input = entry.data === undefined ? undefined : JSON.parse(entry.data);
  } catch {
    input = undefined;
  }
  const parsed = parseRunnerReports(input);
  if (parsed.ok) return parsed.value;
  logger.warn({ entry: entry.id, error: parsed.error }, 'runner report refused');
  return undefined;
}

const finishedIds = (reports: readonly RunnerReport[]) =>
  reports.filter((r) => r.event.type === 'job-finished').map((r) => finishedReportId(r.jobId, r.attempt));
