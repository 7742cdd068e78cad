import { KEY_PREFIX } from '../../pipelines/index.js';

/**
 * Every Redis key the server owns (runner-shared ones are pipelines' `wireKeys`). One place,
 * so a scan of `{slipway}:*` is the whole state and no two modules pick the same name.
 */
export const keys = {
  /** Set of repository full names. */
  repos: `${KEY_PREFIX}:repos`,
  /** String: the JSON Repo. */
  repo: (fullName: string) => `${KEY_PREFIX}:repo:${fullName}`,
  /** Hash of the repository's encrypted material: `webhookSecret`, `statusToken`, `secret:<NAME>`. */
  repoSealed: (fullName: string) => `${KEY_PREFIX}:repo-sealed:${fullName}`,
  /** Counter of the repository's run numbers. */
  runNumber: (fullName: string) => `${KEY_PREFIX}:run-number:${fullName}`,
  /** Sorted set of the repository's run ids, scored by run number. */
  repoRuns: (fullName: string) => `${KEY_PREFIX}:repo-runs:${fullName}`,
  /** String: the JSON RunRecord. */
  run: (runId: string) => `${KEY_PREFIX}:run:${runId}`,
  /** Set of the ids of runs that may still need the server: not final, or with a job not final (see reconcileRuns). */
  activeRuns: `${KEY_PREFIX}:active-runs`,
  /** String: the JSON JobRecord. */
  job: (jobId: string) => `${KEY_PREFIX}:job:${jobId}`,
  /** Set NX with a TTL: a webhook delivery id already taken (forge + id). */
  delivery: (forge: string, id: string) => `${KEY_PREFIX}:delivery:${forge}:${id}`,
  /** Hash: sha256 of an API token → JSON {name, createdAt}. Tokens themselves are never stored. */
  apiTokens: `${KEY_PREFIX}:api-tokens`,
  /** String with a TTL: sha256 of a job-scoped token → the global job id it opens. */
  jobToken: (tokenHash: string) => `${KEY_PREFIX}:job-token:${tokenHash}`,
  /** String with the same TTL: the sha256 of a job's current job-scoped token (to revoke it by job id). */
  jobTokenOf: (jobId: string) => `${KEY_PREFIX}:job-token-of:${jobId}`,
} as const;
