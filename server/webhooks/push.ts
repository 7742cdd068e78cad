import { z } from 'zod';
import { FULL_COMMIT_SHA } from '../../lib/git.js';
import {
  authorOf,
  changedPaths,
  ignored,
  PushCommitSchema,
  parseRef,
  rejected,
  type WebhookOutcome,
  ZERO_SHA,
} from './event.js';

/** The repository fields GitHub and Gitea both send as `repository`. */
export const RepositorySchema = z.object({
  full_name: z.string().min(1),
  clone_url: z.string().min(1),
  default_branch: z.string(),
});
type Repository = z.infer<typeof RepositorySchema>;

/** The outcome's `repo` and the event's `repo` from a payload repository. */
export function repoFields(r: Repository) {
  return {
    repo: { fullName: r.full_name, cloneUrl: r.clone_url, defaultBranch: r.default_branch },
    eventRepo: {
      name: r.full_name,
      url: r.clone_url,
      ...(r.default_branch ? { defaultBranch: r.default_branch } : {}),
    },
  };
}

/** A push as GitHub and Gitea send it (Gitea has no `deleted`/`forced`, and may send `commits: null`). */
const PushSchema = z.object({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string().min(1),
  deleted: z.boolean().optional(),
  forced: z.boolean().optional(),
  commits: z.array(PushCommitSchema).nullable(),
  head_commit: PushCommitSchema.nullish(),
  repository: RepositorySchema,
});

/**
 * A push to a branch or a tag as a run; deletions and other refs ignored. Changed paths are
 * unknown when the push was forced or lists `maxCommits` or more commits (the forge cut it).
 */
export function normalisePush(
  deliveryId: string,
  body: unknown,
  maxCommits = Number.POSITIVE_INFINITY,
): WebhookOutcome {
  const parsed = PushSchema.safeParse(body);
  if (!parsed.success) return rejected(400, `push payload: ${z.prettifyError(parsed.error)}`);
  const p = parsed.data;
  const commits = p.commits ?? [];
  if (p.deleted || ZERO_SHA.test(p.after)) return ignored(`${p.ref} deleted`);
  const ref = parseRef(p.ref);
  if (ref.kind === 'other') return ignored(`push to ${p.ref}`);
  const head = p.head_commit?.id === p.after ? p.head_commit : commits.find((c) => c.id === p.after);
  const paths = !p.forced && commits.length < maxCommits ? changedPaths(commits) : undefined;
  return pushRun(deliveryId, p.repository, ref, p.after, head, paths, p.before);
}

/** What a forge's pull request payload says, in one shape. */
/**
 * The run of a branch or tag push at commit `sha` (`head`: that commit's entry in the payload,
 * for its message and author; `paths` undefined when the commit lists are incomplete; `before`
 * the ref's previous commit, kept as `since` only when `paths` is known).
 */
export function pushRun(
  deliveryId: string,
  repository: Repository,
  ref: { kind: 'branch' | 'tag'; name: string },
  sha: string,
  head: { message: string; author: { name: string; email: string } } | undefined,
  paths: string[] | undefined,
  before?: string,
): WebhookOutcome {
  const { repo, eventRepo } = repoFields(repository);
  const since = paths !== undefined && before && FULL_COMMIT_SHA.test(before) && !ZERO_SHA.test(before);
  return {
    kind: 'run',
    deliveryId,
    repo,
    fromFork: false,
    ...(since ? { since: before } : {}),
    event: {
      kind: ref.kind === 'tag' ? 'tag' : 'push',
      ...(ref.kind === 'tag' ? { tag: ref.name } : { branch: ref.name }),
      repo: eventRepo,
      commit: { sha, message: head?.message ?? '', author: head ? authorOf(head) : '' },
      ...(paths === undefined ? {} : { changedPaths: paths }),
    },
  };
}

export interface PullRequestFacts {
  number: number;
  headRef: string;
  headSha: string;
  baseRef: string;
  title: string;
  author: string;
  fromFork: boolean;
}

/** The run a pull request opened or updated starts (every forge: same event, same fields). */
export function pullRequestRun(
  deliveryId: string,
  repository: Repository,
  pr: PullRequestFacts,
): WebhookOutcome {
  const { repo, eventRepo } = repoFields(repository);
  return {
    kind: 'run',
    deliveryId,
    repo,
    fromFork: pr.fromFork,
    event: {
      kind: 'pull_request',
      branch: pr.headRef,
      repo: eventRepo,
      commit: { sha: pr.headSha, message: pr.title, author: pr.author },
      pullRequest: { number: pr.number, targetBranch: pr.baseRef },
    },
  };
}
