import { z } from 'zod';

/**
 * What started a run: a branch push, a tag push, a pull request or a manual start. The
 * server builds it from a webhook; `slipway plan` from its flags. `changedPaths` undefined
 * means "unknown" (a new branch, a manual run): path filters then never skip anything.
 * For pull requests, `branch` is the source branch and `pullRequest.targetBranch` the branch
 * the filters (`on.pull_request.branches`, `when.branch`) match.
 */
export const PlanEventSchema = z.strictObject({
  kind: z.enum(['push', 'pull_request', 'manual', 'tag']),
  branch: z.string().optional(),
  tag: z.string().optional(),
  repo: z.strictObject({ name: z.string(), url: z.string(), defaultBranch: z.string().min(1).optional() }),
  commit: z.strictObject({ sha: z.string().min(1), message: z.string(), author: z.string() }),
  changedPaths: z.array(z.string()).optional(),
  run: z.strictObject({ id: z.string().min(1), number: z.number().int().nonnegative() }),
  pullRequest: z.strictObject({ number: z.number().int().positive(), targetBranch: z.string() }).optional(),
});

export type PlanEvent = z.infer<typeof PlanEventSchema>;

/** A complete event from a few fields, for the CLI and tests; everything else gets a fixed default. */
export function makeEvent(partial: Partial<PlanEvent> = {}): PlanEvent {
  const kind = partial.kind ?? 'push';
  return PlanEventSchema.parse({
    kind,
    ...(kind === 'tag' ? {} : { branch: 'main' }),
    repo: { name: 'example/app', url: 'https://git.example.com/example/app.git' },
    commit: {
      sha: '0123456789abcdef0123456789abcdef01234567',
      message: 'Test commit',
      author: 'Ada <ada@example.com>',
    },
    run: { id: 'run-1', number: 1 },
    ...partial,
  });
}

/** The branch that branch filters match: the target branch for pull requests. */
export function filterBranch(event: PlanEvent): string | undefined {
  return event.kind === 'pull_request' ? (event.pullRequest?.targetBranch ?? event.branch) : event.branch;
}

/** A short description for messages: `push to branch "main"`, `tag "v1.2.0"`. */
export function describeEvent(event: PlanEvent): string {
  switch (event.kind) {
    case 'tag':
      return `tag "${event.tag ?? ''}"`;
    case 'pull_request':
      return `pull request #${event.pullRequest?.number ?? '?'} into "${filterBranch(event) ?? ''}"`;
    case 'manual':
      return `manual run on ${event.branch === undefined ? 'no branch' : `branch "${event.branch}"`}`;
    default:
      return `push to branch "${event.branch ?? ''}"`;
  }
}
