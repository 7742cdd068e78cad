import { z } from 'zod';
import { ignored, rejected, type WebhookOutcome } from './event.js';
import { GitLabProjectSchema, gitlabRepo } from './gitlab-project.js';
import { pullRequestRun } from './push.js';

/** What a Merge Request Hook says; `project` is the target project, `user` who acted. */
const MergeRequestSchema = z.object({
  user: z.object({ username: z.string() }),
  project: GitLabProjectSchema,
  object_attributes: z.object({
    iid: z.number().int().positive(),
    action: z.string().optional(),
    title: z.string(),
    source_branch: z.string().min(1),
    target_branch: z.string().min(1),
    source_project_id: z.number().int(),
    target_project_id: z.number().int(),
    last_commit: z.object({ id: z.string().min(1) }),
    oldrev: z.string().nullish(),
  }),
});

/** Actions that always put new code in front of the pipeline; `update` does when `oldrev` is set. */
const MR_ACTIONS = new Set(['open', 'reopen']);

/**
 * A merge request opened, reopened or updated with new commits (`oldrev` present: the source
 * branch moved) as a pull_request run; `close`, `merge`, approvals and other updates ignored.
 * From a fork when the source project is not the target project.
 */
export function mergeRequest(deliveryId: string, body: unknown): WebhookOutcome {
  const parsed = MergeRequestSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `merge request payload: ${z.prettifyError(parsed.error)}`);
  const { user, project, object_attributes: mr } = parsed.data;
  const action = mr.action ?? 'none';
  const moved = action === 'update' && typeof mr.oldrev === 'string' && mr.oldrev !== '';
  if (!MR_ACTIONS.has(action) && !moved)
    return ignored(
      action === 'update' ? 'merge request update without new commits' : `merge request action ${action}`,
    );
  return pullRequestRun(deliveryId, gitlabRepo(project), {
    number: mr.iid,
    headRef: mr.source_branch,
    headSha: mr.last_commit.id,
    baseRef: mr.target_branch,
    title: mr.title,
    author: user.username,
    fromFork: mr.source_project_id !== mr.target_project_id,
  });
}
