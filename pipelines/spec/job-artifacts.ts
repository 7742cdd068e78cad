import { z } from 'zod';

/**
 * A job's artifacts in the shared artifact registry (`--artifact-registry`, the same repository
 * for the runners and the servers): one directory artifact per job (its layer a gzip tar of the
 * kept files at their workspace paths) of type JOB_ARTIFACTS_ARTIFACT, tagged
 * jobArtifactsTag(global job id). The runner uploads it before it reports the job finished and
 * puts StoredArtifacts in the JobResult; a server reads the layer by that digest.
 */
export const JOB_ARTIFACTS_ARTIFACT = 'application/vnd.slipway.job-artifacts.v1';

/** The tag of a job's artifacts: `artifacts-<global job id>` (a valid tag for any global id). */
export function jobArtifactsTag(globalJobId: string): string {
  return `artifacts-${globalJobId}`;
}

/** The uploaded artifacts: the layer (digest, compressed size) and each file's path and size. */
export const StoredArtifactsSchema = z.strictObject({
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  files: z.array(z.strictObject({ path: z.string().min(1), size: z.number().int().nonnegative() })),
});
export type StoredArtifacts = z.infer<typeof StoredArtifactsSchema>;
