import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JOB_ARTIFACTS_ARTIFACT,
  type JobResult,
  jobArtifactsTag,
  type StoredArtifacts,
} from '../../pipelines/index.js';
import { formatSize } from '../executor/index.js';
import {
  type ContentStore,
  type ImageReference,
  pushDirArtifact,
  type RegistryClient,
} from '../oci/index.js';

/** Where a runner puts jobs' artifacts so that any server can hand them out. */
export interface ArtifactUploader {
  /**
   * Uploads `dir` (holding `paths`, workspace-relative) as the artifacts of global job `jobId`.
   * Idempotent: the same files upload nothing the second time. Throws when the registry fails.
   */
  upload(jobId: string, dir: string, paths: readonly string[]): Promise<StoredArtifacts>;
}

/**
 * The ArtifactUploader of the shared artifact registry repository `repository`: one directory
 * artifact per job (JOB_ARTIFACTS_ARTIFACT, tagged jobArtifactsTag), packed through `content`.
 */
export function registryArtifactUploader(
  client: RegistryClient,
  repository: ImageReference,
  content: ContentStore,
): ArtifactUploader {
  return {
    async upload(jobId, dir, paths) {
      const files = await Promise.all(
        paths.map(async (path) => ({ path, size: (await lstat(join(dir, path))).size })),
      );
      const { layer } = await pushDirArtifact(
        client,
        repository,
        jobArtifactsTag(jobId),
        JOB_ARTIFACTS_ARTIFACT,
        dir,
        content,
        { 'dev.slipway.job': jobId },
      );
      return { digest: layer.digest, size: layer.size, files };
    },
  };
}

/**
 * `result` with its artifacts uploaded (`artifactsStored` set), said in the job's log through
 * `say`. A job with no artifacts is returned as it is. A failed upload is said, and a job that
 * had succeeded fails with a temporary error naming it: its artifacts are part of its output.
 */
export async function withUploadedArtifacts(
  uploader: ArtifactUploader,
  jobId: string,
  result: JobResult,
  allowFailure: boolean,
  say: (text: string, stream?: 'stdout' | 'stderr') => void,
): Promise<JobResult> {
  if (!result.artifactsDir || result.artifacts.length === 0) return result;
  try {
    const stored = await uploader.upload(jobId, result.artifactsDir, result.artifacts);
    const bytes = stored.files.reduce((n, f) => n + f.size, 0);
    say(
      `artifacts uploaded: ${stored.files.length} file(s), ${formatSize(bytes)} (${formatSize(stored.size)} compressed)`,
    );
    return { ...result, artifactsStored: stored };
  } catch (err) {
    const message = `artifacts could not be uploaded: ${(err as Error).message}`;
    say(message, 'stderr');
    if (result.status !== 'success') return result;
    return {
      ...result,
      status: 'failure',
      allowedFailure: allowFailure,
      error: { message, category: 'temporary', context: { artifacts: result.artifactsDir } },
    };
  }
}
