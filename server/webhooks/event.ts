import { z } from 'zod';
import { PlanEventSchema } from '../../pipelines/index.js';

/** Bodies above this size are refused with 413 before anything else is looked at. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** The object id git uses for "no commit": `before` of a new ref, `after` of a deleted one. */
export const ZERO_SHA = /^0+$/;

/**
 * The event a webhook becomes: a pipelines PlanEvent without `run` (the server numbers runs),
 * so `makeEvent({ ...event, run })` plans it. `repo.url` is the payload's clone URL, for
 * display only; the server fetches from the URL registered for the repository.
 */
export const WebhookEventSchema = PlanEventSchema.omit({ run: true });
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

/**
 * What one delivery amounts to. `run`: start a run for `event` (`fromFork`: the pull request's
 * head lives in another repository, so the run gets no secrets). `ignored`: answer 2xx, log
 * `reason`, store nothing. `rejected`: answer `status`, store nothing.
 */
export const WebhookOutcomeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('run'),
    deliveryId: z.string().min(1),
    repo: z.strictObject({
      fullName: z.string().min(1),
      cloneUrl: z.string().min(1),
      defaultBranch: z.string(),
    }),
    event: WebhookEventSchema,
    fromFork: z.boolean(),
    /**
     * The commit the ref pointed at before this push, given only when the payload's commit
     * lists are complete: then `event.changedPaths` is all that changed since it.
     */
    since: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('ignored'), reason: z.string().min(1) }),
  z.strictObject({
    kind: z.literal('rejected'),
    status: z.union([z.literal(400), z.literal(401), z.literal(413)]),
    reason: z.string().min(1),
  }),
]);
export type WebhookOutcome = z.infer<typeof WebhookOutcomeSchema>;

/** A forge's webhook handler: request headers, the raw body and the per-repository secret lookup. */
export type WebhookHandler = (
  headers: Record<string, string | undefined>,
  rawBody: Buffer,
  secretFor: (repoFullName: string) => string | undefined | Promise<string | undefined>,
) => Promise<WebhookOutcome>;

/** One reason for both an unknown repository and a bad signature, so a 401 tells nothing more. */
export const UNAUTHORIZED = 'unknown repository or signature mismatch';

export function rejected(status: 400 | 401 | 413, reason: string): WebhookOutcome {
  return { kind: 'rejected', status, reason };
}

export function ignored(reason: string): WebhookOutcome {
  return { kind: 'ignored', reason };
}

/** Header lookup by lower-case name, whatever case the transport kept. */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** A ref split into what the plan needs; other refs (notes, pull heads) are `other`. */
export function parseRef(ref: string): { kind: 'branch' | 'tag'; name: string } | { kind: 'other' } {
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return { kind: 'other' };
}

/** The file lists a push payload gives per commit (GitHub and Gitea share the shape). */
export const PushCommitSchema = z.object({
  id: z.string().min(1),
  message: z.string(),
  author: z.object({ name: z.string(), email: z.string() }),
  added: z.array(z.string()).nullish(),
  modified: z.array(z.string()).nullish(),
  removed: z.array(z.string()).nullish(),
});
export type PushCommit = z.infer<typeof PushCommitSchema>;

/**
 * Added, modified and removed paths of all commits, deduplicated and sorted; undefined when
 * the lists cannot be trusted to be complete (no commits, or a commit without its lists).
 */
export function changedPaths(commits: readonly PushCommit[]): string[] | undefined {
  if (commits.length === 0) return undefined;
  const paths = new Set<string>();
  for (const c of commits) {
    if (!c.added || !c.modified || !c.removed) return undefined;
    for (const p of [...c.added, ...c.modified, ...c.removed]) paths.add(p);
  }
  return [...paths].sort();
}

/** `Name <email>`, the author form the plan's CI_COMMIT_AUTHOR uses. */
export function authorOf(commit: { author: { name: string; email: string } }): string {
  return `${commit.author.name} <${commit.author.email}>`;
}

/** The body as JSON, or undefined when it is not UTF-8 JSON. */
export function parseJson(rawBody: Buffer): unknown {
  const text = rawBody.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(rawBody)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
