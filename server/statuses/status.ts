import { z } from 'zod';

/** The forges Slipway reports commit statuses to (Forgejo speaks Gitea's API). */
export const ForgeSchema = z.enum(['github', 'gitlab', 'gitea']);
export type Forge = z.infer<typeof ForgeSchema>;

/** Slipway's run/job states as a commit status carries them; each forge maps them to its own. */
export const StatusStateSchema = z.enum(['pending', 'running', 'success', 'failure', 'cancelled', 'error']);
export type StatusState = z.infer<typeof StatusStateSchema>;

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * One commit status to report. `apiUrl` is the forge's API base (defaults: GitHub
 * https://api.github.com, GitLab https://gitlab.com/api/v4; Gitea has none). `repo` is
 * `owner/name` (GitLab: the full project path, subgroups included). `context` names the status
 * on the forge (e.g. `slipway/<pipeline>`); statuses with the same context replace each other.
 * No `token` or (Gitea) no `apiUrl` means the repository has no status reporting: skipped.
 */
export const CommitStatusSchema = z
  .object({
    forge: ForgeSchema,
    apiUrl: httpUrl.optional(),
    token: z.string().optional(),
    repo: z
      .string()
      .max(512)
      .regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be owner/name'),
    commit: z
      .string()
      .regex(/^([0-9a-f]{40}|[0-9a-f]{64})$/i, 'must be a full commit id (40 or 64 hex digits)'),
    state: StatusStateSchema,
    context: z.string().min(1).max(255),
    description: z.string().default(''),
    targetUrl: httpUrl.optional(),
  })
  .refine((s) => s.forge === 'gitlab' || s.repo.split('/').length === 2, {
    message: 'must be owner/name (only GitLab has subgroups)',
    path: ['repo'],
  });
export type CommitStatus = z.input<typeof CommitStatusSchema>;
export type ParsedCommitStatus = z.output<typeof CommitStatusSchema>;

/**
 * What became of one report. `ok: true`: the forge accepted it. `skipped`: nothing was sent,
 * on purpose (not configured, or superseded by a newer status for the same commit and context
 * before it went out). `error`: the forge refused it or could not be reached in time; `status`
 * is the last HTTP status seen, if any. Never carries the token.
 */
export type StatusReport =
  | { ok: true; attempts: number }
  | { ok: false; skipped: string }
  | { ok: false; error: string; status?: number; attempts: number };

/** Reports commit statuses to forges. `report` never throws: every failure is a StatusReport. */
export interface CommitStatusReporter {
  report(status: CommitStatus): Promise<StatusReport>;
}
