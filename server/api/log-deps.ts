import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import type { LogEntry } from '../../pipelines/index.js';
import type { JobRecord, LogArchive } from '../store/index.js';

/** What the log routes need from the server. */
export interface LogRouteDeps {
  redis: Redis;
  archive: LogArchive;
  job(jobId: string): Promise<JobRecord | undefined>;
  /** Whether the request may read this job (public repository, or a valid token). */
  canRead(c: Context, job: JobRecord): Promise<boolean>;
  /** Longest XREAD BLOCK of a live reader before it re-checks the job (default 2 s). */
  blockMs?: number;
  /** Idle time after which a `: ping` comment is sent (default 15 s). */
  heartbeatMs?: number;
}

/** A log line as the API shows it (JSON formats and SSE data). */
export function apiLine(e: LogEntry) {
  return { number: e.n, step: e.source, stream: e.stream, time: e.time, text: e.text };
}
