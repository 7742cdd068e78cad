import { createHash } from 'node:crypto';
import { z } from 'zod';
import { JobEventSchema } from './job-events.js';
import { JobSpecSchema } from './jobspec.js';
import { RunnerPreferenceSchema } from './runner-preference.js';
import { type Parsed, parseVersioned } from './versioned.js';

/**
 * What travels between the server and its runners through Redis, beside the JobSpec itself:
 * the queued job, the runner's reports, the log stream, and the names of the queues and keys
 * both sides use. Pure: names and schemas only; server/ and runner/worker do the I/O.
 */
export const WIRE_VERSION = 1 as const;

/**
 * Every Redis key Slipway owns starts with this; BullMQ queues use it as their prefix. The
 * braces are a Redis Cluster hash tag: every key hashes to one slot, so the multi-key
 * operations (BullMQ's scripts, the MULTIs storing a run, MGETs of records) hold on a cluster.
 */
export const KEY_PREFIX = '{slipway}';

/** A job's id across the whole system: `<run id>-<n>`, n its place in the run (URL- and key-safe). */
export const GlobalJobIdSchema = z.string().regex(/^[a-z0-9]{4,32}-[0-9]{1,4}$/);

/**
 * One BullMQ job on a label queue. `jobId` is the global id (also the BullMQ job id, so queuing
 * twice is a no-op). `secrets` is present when the job names secrets and may have them (never
 * for a pull request from a fork): a job-scoped bearer token, valid only while the job is queued
 * or running, to GET `url` once for the values. No secret value is ever in the queue.
 */
export const QueuedJobSchema = z.strictObject({
  version: z.literal(WIRE_VERSION),
  jobId: GlobalJobIdSchema,
  runId: z.string().min(1),
  spec: JobSpecSchema,
  secrets: z.strictObject({ url: z.url(), token: z.string().min(20) }).optional(),
  /** The runner that built this job's image earlier in the run, when one did (runner-preference.ts). */
  prefer: RunnerPreferenceSchema.optional(),
});
export type QueuedJob = z.infer<typeof QueuedJobSchema>;

/**
 * A runner's report about a job it runs: every JobEvent but `log` (lines go to the log stream),
 * with the runner's name and the BullMQ attempt. Sent on the report stream; the server applies
 * each once in effect (applying one twice, or late, changes nothing).
 */
export const RunnerReportSchema = z.strictObject({
  version: z.literal(WIRE_VERSION),
  jobId: GlobalJobIdSchema,
  runner: z.string().min(1),
  /** BullMQ's attempt of this job (1-based): a report of an older attempt than the record's is stale. */
  attempt: z.number().int().positive(),
  event: JobEventSchema.refine((e) => e.type !== 'log', { error: 'log lines go to the log stream' }),
});
export type RunnerReport = z.infer<typeof RunnerReportSchema>;

export function parseQueuedJob(input: unknown): Parsed<QueuedJob> {
  return parseVersioned(input, {
    what: 'queued job',
    reader: 'runner',
    version: WIRE_VERSION,
    schema: QueuedJobSchema,
  });
}

export function parseRunnerReport(input: unknown): Parsed<RunnerReport> {
  return parseVersioned(input, {
    what: 'runner report',
    reader: 'server',
    version: WIRE_VERSION,
    schema: RunnerReportSchema,
  });
}

/**
 * The consumer group of the servers on `wireKeys.reportStream`: each report entry goes to one
 * server, which acknowledges it once applied (see server/queue reports.ts).
 */
export const REPORTS_GROUP = 'servers';

/**
 * The length BullMQ keeps each Slipway queue's events stream at (every Queue is made with it:
 * BullMQ stores it in the queue's meta). Nothing reads those events; BullMQ's default of 10,000
 * cost Redis about 1 MB per queue.
 */
export const QUEUE_EVENTS_MAX_LEN = 100;

/** The field `wireKeys.reportsPending` holds while the `job-finished` report of attempt `attempt` of global job `jobId` waits to be applied. */
export function finishedReportId(jobId: string, attempt: number): string {
  return `${jobId}.${attempt}.job-finished`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The BullMQ queue of a label set: `jobs-<12 hex>` of the sorted, deduplicated labels (any
 * label text is safe in it). A runner serves every queue whose label set is a subset of its own;
 * `labelSetsKey` maps queue names to their labels so runners can find them.
 */
export function jobQueueName(labels: readonly string[]): string {
  const set = normalizeLabels(labels);
  return `jobs-${createHash('sha256').update(JSON.stringify(set)).digest('hex').slice(0, 12)}`;
}

/** Sorted and deduplicated: the canonical form of a label set. */
export function normalizeLabels(labels: readonly string[]): string[] {
  return [...new Set(labels)].sort();
}

/** Redis keys shared by server and runners (all under KEY_PREFIX). */
export const wireKeys = {
  /** Hash: job queue name → JSON array of its labels (written by the server when it first queues there). */
  labelSets: `${KEY_PREFIX}:label-sets`,
  /** Hash: runner name → JSON RunnerHeartbeat. */
  runners: `${KEY_PREFIX}:runners`,
  /** String set while a job is to be cancelled (the runner polls it; the channel only wakes it). */
  cancel: (jobId: string) => `${KEY_PREFIX}:cancel:${jobId}`,
  /** Pub/sub channel carrying job ids to cancel: a wake-up only, the key above is the truth. */
  cancelChannel: `${KEY_PREFIX}:cancel`,
  /** Pub/sub channel carrying PrefetchHints: a pushed commit runners may fetch ahead. */
  prefetchChannel: `${KEY_PREFIX}:prefetch`,
  /** Stream of a job's log, many lines per entry (see LogEntry). */
  log: (jobId: string) => `${KEY_PREFIX}:log:${jobId}`,
  /** String set while runner `name` is asked to drain (`slipway runner --drain`; it polls it). */
  drain: (name: string) => `${KEY_PREFIX}:drain:${name}`,
  /**
   * Stream of the runners' reports to the servers: one entry per send, its field `r` a
   * RunnerReport or RunnerReportBatch as JSON, read through consumer group REPORTS_GROUP.
   */
  reportStream: `${KEY_PREFIX}:report-stream`,
  /** Hash: finishedReportId → "1" while that job-finished report is in reportStream, not yet applied. */
  reportsPending: `${KEY_PREFIX}:reports-pending`,
  /** Counter: the attempts of a job runners have begun (INCR by each; see runner/worker attempts.ts). */
  attempts: (jobId: string) => `${KEY_PREFIX}:attempts:${jobId}`,
} as const;

/**
 * A commit just pushed to the repository at `url` (its registered clone URL), published by the
 * server when a webhook is verified, before the run is planned. Best effort: a hint lost or
 * acted on twice changes nothing (see runner/worker prefetch.ts).
 */
export const PrefetchHintSchema = z.strictObject({
  version: z.literal(WIRE_VERSION),
  url: z.string().min(1),
  commit: z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/),
});
export type PrefetchHint = z.infer<typeof PrefetchHintSchema>;

/**
 * A runner's liveness record, rewritten every few seconds. A runner is online while
 * `lastSeen` is younger than RUNNER_OFFLINE_MS.
 */
export const RunnerHeartbeatSchema = z.strictObject({
  name: z.string().min(1),
  labels: z.array(z.string()),
  concurrency: z.number().int().positive(),
  /** Global ids of the jobs it runs now. */
  running: z.array(z.string()),
  lastSeen: z.number(),
  /** True once it stopped taking jobs (SIGTERM, draining). */
  draining: z.boolean(),
});
export type RunnerHeartbeat = z.infer<typeof RunnerHeartbeatSchema>;

/** A heartbeat as stored in `wireKeys.runners` (JSON), or undefined when absent or not valid. */
export function parseRunnerHeartbeat(raw: string | null | undefined): RunnerHeartbeat | undefined {
  if (!raw) return undefined;
  try {
    const parsed = RunnerHeartbeatSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
export const RUNNER_HEARTBEAT_MS = 3_000;
export const RUNNER_OFFLINE_MS = 15_000;

/**
 * One line of a job's log: `n` its 1-based number (the runner numbers a job's lines, continuing
 * across retried attempts), `source` (step name, `service:<name>`, `build`, `setup`), stream,
 * `time` in ms since epoch, `text` (secrets masked, no '\n' from a step's output).
 *
 * The log stream (`wireKeys.log`) carries many consecutive lines per entry (log-batch.ts):
 * - id `0-<number of the entry's last line>`: a resent entry (a reconnect, a retried send) is
 *   refused by Redis as not above the top, so lines are never doubled; and a reader resuming
 *   after line N reads from `0-<N+1>`, skipping the lines ≤ N of the first entry it gets.
 * - `n` the number of its first line; `r` JSON runs `[[count, source, 0|1 (stderr), time], …]`
 *   covering its lines in order; `x` the texts joined by '\n' (a step's chunk of output is
 *   copied in as read, no work per line). An entry whose texts hold a '\n' (an executor's
 *   message, never a step's output) instead has `l`, the lengths of the texts (UTF-16 units,
 *   comma separated), and `x` the texts concatenated; so do entries of earlier versions. An
 *   entry with `z` = `br` has its `x` Brotli-compressed (the writer compresses entries of 4 KiB
 *   or more when that saves a tenth: a loud step's log costs Redis, the server and the archive
 *   about a fifth of its bytes); such an entry reads only as bytes (XRANGE in buffer mode).
 *   Readers skip an entry that does not add up, and any line numbered at or below one already
 *   read (two writers of one stream overlapping).
 * The SSE event id of a line is its number `n`.
 */
export const LogEntrySchema = z.strictObject({
  n: z.number().int().positive(),
  source: z.string().min(1),
  stream: z.enum(['stdout', 'stderr']),
  time: z.number(),
  text: z.string(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;
