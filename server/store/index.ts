/**
 * The server's state in Redis: records and key names, repositories with their sealed material
 * (RepoStore), API and job-scoped tokens, and the server key for secrets at rest.
 */

export { type ArtifactFiles, registryArtifactFiles } from './artifact-files.js';
export { decodeStored, readJson, readJsonMany, updateJson } from './json-keys.js';
export * from './keys.js';
export { fileLogArchive, type LogArchive, logArchiveDir, memoryLogArchive } from './log-archive.js';
export { createLogArchiver, type LogArchiver } from './log-archiver.js';
export { type LogOutline, type LogSection, logOutline } from './log-outline.js';
export { type LogMatches, searchLog, shownText } from './log-search.js';
export { archiveJobLog, logEntries, readLog, readLogTail } from './logs.js';
export * from './records.js';
export {
  JOB_LOG_ARTIFACT,
  type RegistryLogArchiveOptions,
  registryLogArchive,
} from './registry-log-archive.js';
export {
  CloneUrlSchema,
  type RepoInput,
  RepoInputSchema,
  SecretNameSchema,
  SecretValueSchema,
} from './repo-input.js';
export { RepoStore } from './repos.js';
export {
  activeRunIds,
  createRun,
  forgetActiveRun,
  getJob,
  getJobs,
  getRun,
  listRuns,
  type NewRun,
  newRunId,
  nextRunNumber,
  type RunListQuery,
  updateJob,
  updateRun,
} from './runs.js';
export { type Keyring, keyId, makeKeyring, open, seal } from './sealed.js';
export { loadServerKey, parseKey } from './server-key.js';
export {
  type ApiTokenInfo,
  createApiToken,
  issueJobToken,
  jobForToken,
  listApiTokens,
  revokeApiToken,
  revokeJobToken,
  TokenNameSchema,
  verifyApiToken,
} from './tokens.js';
