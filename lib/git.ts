import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type SimpleGit, simpleGit } from 'simple-git';
import { SlipwayError } from './errors.js';
import { gitEnv } from './git-env.js';
import { objectReader } from './git-objects.js';
import { tryTool } from './proc.js';

export { gitEnv };

/** `url` with any user/password replaced by `***`, for messages and stored remotes. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

/** `message` with `url` and the credentials it carries replaced by their redacted form. */
export function redactMessage(message: string, url: string): string {
  const creds = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url)?.[1];
  const text = message.split(url).join(redactUrl(url));
  return creds ? text.split(creds).join('***') : text;
}

/** simple-git in `dir` with gitEnv(). */
export function sandboxedGit(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir, allowEnvironment: ['GIT_CONFIG_NOSYSTEM', 'GIT_TERMINAL_PROMPT'] }).env(
    gitEnv(),
  );
}

/** A full commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
export const FULL_COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/** The mirror's ref to the commit fetched last (what the next fetch negotiates from). */
const FETCHED_REF = 'refs/slipway/fetched';

/** Per mirror path, the fetch under way: one fetch at a time per mirror in this process. */
const fetching = new Map<string, Promise<unknown>>();

/**
 * Makes sure the bare mirror at `mirror` (created on first use) holds `commit` of `url`:
 * nothing is fetched when it already does; otherwise the commit itself (incremental: the last
 * commit fetched is offered as common history), or, from a server that refuses commits by id,
 * every branch and tag. Returns the mirror's path.
 * A missing commit is a permanent error naming the commit and the (redacted) remote; a failed
 * fetch a temporary one. Fetches into one mirror are serialised within the process; git's own
 * ref locks keep concurrent processes safe.
 */
export async function mirrorCommit(mirror: string, url: string, commit: string): Promise<string> {
  const shown = redactUrl(url);
  const fail = (why: string, category: 'permanent' | 'temporary') =>
    new SlipwayError(`could not fetch commit ${commit} from ${shown}: ${why}`, {
      category,
      context: { repo: shown, commit },
    });
  if (!FULL_COMMIT_SHA.test(commit)) throw fail('not a full commit sha', 'permanent');
  if (url.startsWith('-') || url.trim() === '') throw fail('not a repository URL', 'permanent');
  const previous = fetching.get(mirror) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => fetchInto(mirror, url, commit, fail));
  fetching.set(mirror, run);
  try {
    await run;
  } finally {
    if (fetching.get(mirror) === run) fetching.delete(mirror);
  }
  return mirror;
}

/** Mirrors this process has seen to be bare repositories (checked once, not per fetch). */
const openedMirrors = new Set<string>();

/** The bare repository at `mirror`, created (with its parents, owner-only) if absent. */
async function openMirror(mirror: string): Promise<SimpleGit> {
  if (openedMirrors.has(mirror) && existsSync(mirror)) return sandboxedGit(mirror);
  await mkdir(dirname(mirror), { recursive: true, mode: 0o700 });
  await mkdir(mirror, { recursive: true, mode: 0o700 });
  const git = sandboxedGit(mirror);
  if (!(await git.revparse(['--is-bare-repository']).catch(() => ''))) await git.init(true);
  // A reader left open on a mirror removed since would see none of the new one's objects.
  objectReader(mirror).close();
  openedMirrors.add(mirror);
  return git;
}

/**
 * The commit branch `branch` of `url` points at now (`git ls-remote`, run from the bare mirror
 * at `mirror`, which is created if absent; nothing is fetched), or undefined when the remote has
 * no such branch. A name git refuses as a branch is a permanent error; an unreachable remote a
 * temporary one naming the (redacted) remote.
 */
export async function branchHead(mirror: string, url: string, branch: string): Promise<string | undefined> {
  const shown = redactUrl(url);
  const ref = `refs/heads/${branch}`;
  if (url.startsWith('-') || url.trim() === '')
    throw new SlipwayError(`could not read branch ${branch} of ${shown}: not a repository URL`);
  const git = await openMirror(mirror);
  // `--branch` prints the name back, or fails on stderr (plain check-ref-format only sets its exit code).
  const valid =
    !branch.startsWith('-') &&
    (await git.raw(['check-ref-format', '--branch', branch]).then(
      (out) => out.trim() === branch,
      () => false,
    ));
  if (!valid) throw new SlipwayError(`${JSON.stringify(branch)} is not a valid branch name`);
  let out: string;
  try {
    out = await git.raw(['ls-remote', '--heads', url, ref]);
  } catch (err) {
    throw new SlipwayError(
      `could not read branch ${branch} of ${shown}: ${redactMessage((err as Error).message, url)}`,
      { category: 'temporary', context: { repo: shown, branch } },
    );
  }
  for (const line of out.split('\n')) {
    const [sha, name] = line.trim().split('\t');
    if (name === ref && sha && FULL_COMMIT_SHA.test(sha)) return sha;
  }
  return undefined;
}

/** The subject (first line of the message) of `commit` in the repository at `dir`. */
export async function commitSubject(dir: string, commit: string): Promise<string> {
  return (await sandboxedGit(dir).raw(['log', '-1', '--format=%s', commit, '--'])).trim();
}

async function fetchInto(
  mirror: string,
  url: string,
  commit: string,
  fail: (why: string, category: 'permanent' | 'temporary') => SlipwayError,
): Promise<void> {
  const git = await openMirror(mirror);
  const objects = objectReader(mirror);
  const has = () => objects.hasCommit(commit).catch(() => false);
  if (await has()) return;
  // The commit alone, kept under one ref: the next fetch offers it as common history, so only
  // what is new travels. Servers that refuse a commit by id get every branch and tag instead.
  const fetchArgs = [
    'fetch',
    url,
    ...NO_MAINTENANCE,
    '--no-tags',
    '--no-write-fetch-head',
    `+${commit}:${FETCHED_REF}`,
  ];
  const alone = await tryTool('git', fetchArgs, { cwd: mirror, env: gitEnv() }).then(
    (r) => r.code === 0,
    () => false,
  );
  if (alone && (await has())) return maintainLater(mirror);
  try {
    await git.fetch([
      url,
      ...NO_MAINTENANCE,
      '--prune',
      '+refs/heads/*:refs/heads/*',
      '+refs/tags/*:refs/tags/*',
    ]);
  } catch (err) {
    throw fail(redactMessage((err as Error).message, url), 'temporary');
  }
  if (!(await has())) throw fail('no such commit in the repository', 'permanent');
  maintainLater(mirror);
}

/** git fetch runs `git maintenance run --auto` before returning: not on the way to a job. */
const NO_MAINTENANCE = ['--no-auto-maintenance'];

/** How long after a fetch a mirror's housekeeping runs: after the job that needed the commit has started. */
const MAINTAIN_AFTER_MS = 5_000;
/**
 * Housekeeping runs at most this often per mirror: `--auto` only packs once thousands of loose
 * objects have piled up, and each run is a git process that may land on the next job's start.
 */
const MAINTAIN_EVERY_MS = 10 * 60_000;
/** Per mirror, when its housekeeping was last scheduled. */
const maintainedAt = new Map<string, number>();

/**
 * The mirror's own housekeeping (`maintenance run --auto`: gc when due), MAINTAIN_AFTER_MS
 * after a fetch and at most once per MAINTAIN_EVERY_MS, never on the way to the job that waits
 * for the commit (a git process started then holds up its checkout).
 */
function maintainLater(mirror: string): void {
  const now = Date.now();
  if (now - (maintainedAt.get(mirror) ?? Number.NEGATIVE_INFINITY) < MAINTAIN_EVERY_MS) return;
  maintainedAt.set(mirror, now);
  setTimeout(() => {
    if (!existsSync(mirror)) return;
    void sandboxedGit(mirror)
      .raw(['maintenance', 'run', '--auto', '--quiet'])
      .catch(() => undefined);
  }, MAINTAIN_AFTER_MS).unref();
}
