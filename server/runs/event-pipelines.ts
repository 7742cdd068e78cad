import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { mirrorCommit } from '../../lib/git.js';
import { objectReader } from '../../lib/git-objects.js';
import { log } from '../../lib/log.js';
import type { LoadedPipeline } from '../../pipelines/index.js';
import { type PipelineEntry, pipelineEntries, pipelinesAtCommit } from './pipeline-files.js';

const logger = log.child({ module: 'server/runs' });

/**
 * How long a background fetch waits: the runners fetch the same commit at once, on their job's
 * way to its first step, and on a small host (server and runner side by side) two fetches at
 * the same time slow each other down.
 */
export const BACKGROUND_FETCH_DELAY_MS = 1000;

/** True when a changed `path` may change the pipelines: a `.slipway*` file, or what `.slipway/` holds. */
export function touchesPipelines(path: string): boolean {
  return (
    path === '.slipway.yml' || path === '.slipway.yaml' || path === '.slipway' || path.startsWith('.slipway/')
  );
}

/** What a push changed, as its payload proves it: everything since `commit` is `changedPaths`. */
export interface PushedSince {
  commit: string;
  changedPaths: readonly string[];
}

/** The pipelines of an event's commit, and how they were had. */
export interface EventPipelines {
  loaded: LoadedPipeline[];
  /**
   * Set when they were read from the push's previous commit, before the pushed one was
   * fetched: settles `same` once the fetched commit is seen to hold the same pipeline entries,
   * `changed` when it does not (the payload's lists were wrong), `unchecked` when the fetch
   * failed (runners fetching it will say why). Never rejects.
   */
  confirmed?: Promise<'same' | 'changed' | 'unchecked'>;
}

/**
 * The pipelines of commit `sha` of the repository at `url`, through the bare mirror `mirror`.
 * A push whose payload proves no pipeline file changed since a commit the mirror already holds
 * is planned from that commit's files at once, and `sha` is fetched in the background, after
 * BACKGROUND_FETCH_DELAY_MS (the fetch is most of a webhook's cost; runners fetch the commit
 * themselves). Otherwise `sha` is
 * fetched first. A commit that cannot be fetched or read is an error naming it.
 */
export async function eventPipelines(
  mirror: string,
  url: string,
  sha: string,
  since?: PushedSince,
): Promise<EventPipelines> {
  if (since && !since.changedPaths.some(touchesPipelines) && (await holdsCommit(mirror, since.commit))) {
    const loaded = await pipelinesAtCommit(mirror, since.commit);
    const confirmed = sleep(BACKGROUND_FETCH_DELAY_MS)
      .then(() => mirrorCommit(mirror, url, sha))
      .then(async () =>
        sameEntries(await pipelineEntries(mirror, since.commit), await pipelineEntries(mirror, sha))
          ? ('same' as const)
          : ('changed' as const),
      )
      .catch((err: Error) => {
        logger.warn({ commit: sha, error: err.message }, 'background fetch of a pushed commit failed');
        return 'unchecked' as const;
      });
    return { loaded, confirmed };
  }
  await mirrorCommit(mirror, url, sha);
  return { loaded: await pipelinesAtCommit(mirror, sha) };
}

async function holdsCommit(mirror: string, commit: string): Promise<boolean> {
  return (
    existsSync(mirror) &&
    (await objectReader(mirror)
      .hasCommit(commit)
      .catch(() => false))
  );
}

const sameEntries = (a: PipelineEntry[], b: PipelineEntry[]) =>
  a.length === b.length &&
  a.every((e, i) => e.name === b[i]?.name && e.mode === b[i]?.mode && e.oid === b[i]?.oid);
