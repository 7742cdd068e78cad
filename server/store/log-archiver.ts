import type { Redis } from 'ioredis';
import { log } from '../../lib/log.js';
import { type LogStreamEntry, wireKeys } from '../../pipelines/index.js';
import type { LogArchive } from './log-archive.js';
import { archiveJobLog } from './logs.js';
import { FINAL_JOB_STATES } from './records.js';
import { getJob } from './runs.js';

const logger = log.child({ module: 'server/log-archiver' });

/** Stream entries read per poll (each a writer's batch of up to ~64 KiB). */
const PAGE = 4;
/** Pause after a poll that found nothing new, doubled while the stream stays quiet, up to the max. */
const IDLE_POLL_MS = 50;
const IDLE_POLL_MAX_MS = 1_000;
/** Why a copy stops by itself: its job's end was applied by another server, which archived it. */
const ENDED_ELSEWHERE = 'the job ended on another server';

/** Archives jobs' logs while they run (see createLogArchiver). */
export interface LogArchiver {
  /** Starts copying the job's log stream into the archive as it grows; a second call is a no-op. */
  follow(jobId: string): void;
  /**
   * Once the job's last line is in its stream (the job is final): the copy under way reads to
   * the stream's end and is stored, then the stream is deleted. Without one (another server
   * followed it, this one restarted) or when it failed, the whole stream is copied now
   * (archiveJobLog). Idempotent, like archiveJobLog.
   */
  finish(jobId: string): Promise<void>;
  /** Abandons the copies under way (their jobs' finish copies the whole stream). */
  close(): void;
}

/**
 * A job's log is archived while the job runs, so that its end waits only for the last lines,
 * not a copy of the whole log (a 100 MB log took ~2 s to copy). `follow` (when this server
 * records the job as started) puts the archive from a reader that polls the stream (on `redis`,
 * no blocking command) and ends at the stream's end once `finish` was called. The archive's put
 * is atomic, so readers see the stream until it is stored, then the archive. A server that dies
 * mid-copy leaves only the archive's temp file; the job's finish, wherever it is applied, copies
 * the whole stream. A copy whose job another server recorded as final (seen once the stream has
 * been quiet for a second) ends by itself, its temp file removed. The caller owns `redis` and
 * `archive`.
 */
export function createLogArchiver(redis: Redis, archive: LogArchive): LogArchiver {
  const copies = new Map<string, { done: Promise<boolean>; finish(): void; abandon(): void }>();
  return {
    follow(jobId) {
      if (copies.has(jobId)) return;
      let finishing = false;
      let abandoned = false;
      let wake: (() => void) | undefined;
      const entries = async function* (): AsyncGenerator<LogStreamEntry> {
        const key = wireKeys.log(jobId);
        let from = '-';
        let pause = IDLE_POLL_MS;
        for (;;) {
          if (abandoned) throw new Error('abandoned');
          const last = finishing; // read after the finish: this read sees every line
          // As bytes: a copy decodes nothing.
          const page = await redis.xrangeBuffer(key, from, '+', 'COUNT', PAGE);
          for (const [id, fields] of page) yield { id: id.toString(), fields };
          const tail = page.at(-1);
          if (tail) from = `(${tail[0].toString()}`;
          if (page.length === PAGE) continue;
          if (last) return;
          // Quiet for a while: a job whose end another server applied is not this copy's to finish.
          if (!tail && pause >= IDLE_POLL_MAX_MS && (await endedElsewhere()))
            throw new Error(ENDED_ELSEWHERE);
          pause = tail ? IDLE_POLL_MS : Math.min(pause * 2, IDLE_POLL_MAX_MS);
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, pause).unref();
          });
        }
      };
      const endedElsewhere = async () => {
        const job = await getJob(redis, jobId);
        return !finishing && job !== undefined && FINAL_JOB_STATES.includes(job.state);
      };
      const done = archive.put(jobId, entries()).then(
        () => true,
        (err: Error) => {
          if (!abandoned && err.message !== ENDED_ELSEWHERE)
            logger.warn({ job: jobId, err: err.message }, 'live log copy failed');
          if (err.message === ENDED_ELSEWHERE && copies.get(jobId) === copy) copies.delete(jobId);
          return false;
        },
      );
      const copy = {
        done,
        finish: () => {
          finishing = true;
          wake?.();
        },
        abandon: () => {
          abandoned = true;
          wake?.();
        },
      };
      copies.set(jobId, copy);
    },
    async finish(jobId) {
      const copy = copies.get(jobId);
      copies.delete(jobId);
      if (copy) {
        copy.finish();
        if (await copy.done) return void (await redis.del(wireKeys.log(jobId)));
      }
      await archiveJobLog(redis, archive, jobId);
    },
    close() {
      for (const copy of copies.values()) copy.abandon();
      copies.clear();
    },
  };
}
