/**
 * Commit statuses: tells GitHub, GitLab or Gitea/Forgejo what a run is doing (pending, then its
 * end state, with a link), retrying with backoff, skipping repositories without a token, and
 * keeping the statuses of one commit and context in order within the process.
 */
export { DEFAULT_API_URLS, MAX_DESCRIPTION_CHARS } from './forges.js';
export { createCommitStatusReporter, type ReporterOptions } from './reporter.js';
export { DEFAULT_SEND_POLICY, type SendPolicy } from './send.js';
export {
  type CommitStatus,
  type CommitStatusReporter,
  CommitStatusSchema,
  type Forge,
  type StatusReport,
  type StatusState,
} from './status.js';
