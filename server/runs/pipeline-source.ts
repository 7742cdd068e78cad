import { objectReader } from '../../lib/git-objects.js';
import { MAX_PIPELINE_BYTES } from '../../pipelines/index.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import type { RunsDeps } from './deps.js';
import { pipelineEntries } from './pipeline-files.js';

/**
 * The text of pipeline file `file` (`.slipway.yml`, `.slipway/ci.yml`, …) at `commit`, read from
 * the server's mirror of `repo`, for showing a run's problems beside their lines. Only a path
 * that is one of the commit's pipeline files (a regular file within the loader's size limit) is
 * read; anything else — another path, a symlink, a commit the mirror lacks — is undefined.
 */
export async function pipelineSource(
  deps: Pick<RunsDeps, 'dataDir'>,
  repo: string,
  commit: string,
  file: string,
): Promise<string | undefined> {
  const mirror = dataDirPaths.serverMirror(deps.dataDir, repo);
  const entry = (await pipelineEntries(mirror, commit).catch(() => [])).find((e) => e.name === file);
  if (!entry || (entry.mode !== '100644' && entry.mode !== '100755')) return undefined;
  const blob = await objectReader(mirror)
    .read(entry.oid, MAX_PIPELINE_BYTES)
    .catch(() => undefined);
  return blob?.data ? blob.data.toString('utf8') : undefined;
}
