import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectReader, parseTree } from '../../lib/git-objects.js';
import { type LoadedPipeline, loadPipelines, MAX_PIPELINE_BYTES } from '../../pipelines/index.js';

/** A tree entry of a commit that can be a pipeline file: its path, git mode and object id. */
export interface PipelineEntry {
  name: string;
  mode: string;
  oid: string;
}

/**
 * The entries of `commit` (in the bare mirror `mirror`) that can be pipeline files:
 * `.slipway.yml`, `.slipway.yaml`, a `.slipway` symlink, and what `.slipway/` holds, in tree
 * order. Two commits with equal entries have the same pipelines. Read through the mirror's
 * long-lived reader (objectReader); a commit the mirror lacks is an error naming it.
 */
export async function pipelineEntries(mirror: string, commit: string): Promise<PipelineEntry[]> {
  const objects = objectReader(mirror);
  const tree = async (spec: string, what: string) => {
    const t = await objects.read(spec);
    if (t?.type !== 'tree' || !t.data) throw new Error(`${what} is not a tree in the repository`);
    return parseTree(t.data, t.oid.length);
  };
  const top = await tree(`${commit}^{tree}`, `commit ${commit}`);
  // A `.slipway` symlink is kept as one, so the loader refuses it as the pipeline directory.
  const candidates: PipelineEntry[] = top.filter(
    (e) =>
      e.name === '.slipway.yml' ||
      e.name === '.slipway.yaml' ||
      (e.name === '.slipway' && e.mode === '120000'),
  );
  const dirEntry = top.find((e) => e.name === '.slipway' && e.mode === '40000');
  if (dirEntry) {
    candidates.push({ ...dirEntry, name: '.slipway' });
    for (const e of await tree(dirEntry.oid, '.slipway'))
      candidates.push({ ...e, name: `.slipway/${e.name}` });
  }
  return candidates.map(({ name, mode, oid }) => ({ name, mode, oid }));
}

/**
 * The pipeline files of `commit` in the bare mirror `mirror`, parsed (loadPipelines' rules).
 * Only the tree entries that can be pipeline files are written to a private temp dir, each as
 * what it is in git (a symlink stays a symlink, so the loader refuses it unread; a blob larger
 * than the loader's limit is written only to that limit). Nothing else of the commit is read.
 */
export async function pipelinesAtCommit(mirror: string, commit: string): Promise<LoadedPipeline[]> {
  const objects = objectReader(mirror);
  const entries = await pipelineEntries(mirror, commit);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-pipelines-'));
  try {
    for (const { mode, name, oid } of entries) {
      const target = join(dir, name);
      if (mode === '40000' && name === '.slipway') await mkdir(target, { mode: 0o700 });
      // Only blobs (files and symlinks): subdirectories and submodules are no pipeline files.
      if (mode !== '100644' && mode !== '100755' && mode !== '120000') continue;
      const blob = await objects.read(oid, MAX_PIPELINE_BYTES);
      if (!blob) throw new Error(`${name}: object ${oid} is missing from the repository`);
      if (!blob.data) {
        // Too large to read: a file of the same kind past the limit, so the loader says so.
        if (mode === '120000') await symlink('too-long', target);
        else {
          await writeFile(target, '', { mode: 0o600 });
          await truncate(target, MAX_PIPELINE_BYTES + 1);
        }
        continue;
      }
      if (mode === '120000') await symlink(blob.data.toString(), target);
      else await writeFile(target, blob.data, { mode: 0o600 });
    }
    return await loadPipelines(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
