import { z } from 'zod';
import type { RepositorySchema } from './push.js';

/**
 * The `project` every GitLab project webhook carries (the target project of a merge request).
 * `default_branch` is null for a project without commits.
 */
export const GitLabProjectSchema = z.object({
  path_with_namespace: z.string().min(1),
  git_http_url: z.string().min(1),
  default_branch: z.string().nullish(),
});
export type GitLabProject = z.infer<typeof GitLabProjectSchema>;

/** A GitLab project in the repository shape GitHub and Gitea send, so push.ts helpers apply. */
export function gitlabRepo(p: GitLabProject): z.infer<typeof RepositorySchema> {
  return {
    full_name: p.path_with_namespace,
    clone_url: p.git_http_url,
    default_branch: p.default_branch ?? '',
  };
}
