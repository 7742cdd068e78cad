import type { Redis } from 'ioredis';
import type { JobQueue } from '../queue/index.js';
import type { CommitStatusReporter } from '../statuses/index.js';
import type { RepoStore } from '../store/index.js';

/**
 * What the orchestration works with. The caller (server/main.ts, tests) owns every piece and
 * closes them. `publicUrl` is this server's base URL as runners and forges reach it: run links
 * in commit statuses, the job-secrets URL in queued jobs.
 */
export interface RunsDeps {
  redis: Redis;
  queue: JobQueue;
  repos: RepoStore;
  dataDir: string;
  publicUrl: string;
  statuses?: CommitStatusReporter;
  /** Called once, by the server that recorded it, when a job is first recorded as started (live log archiving). */
  onJobStarted?: (jobId: string) => void;
  /** Called after a job's final state is recorded (log archiving); must be idempotent. */
  onJobFinished?: (jobId: string) => Promise<void>;
}
