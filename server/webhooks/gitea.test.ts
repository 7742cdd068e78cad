import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { makeEvent } from '../../pipelines/index.js';
import { giteaWebhook, githubWebhook, WebhookOutcomeSchema } from './index.js';

/**
 * Gitea's documented push example (testdata/gitea/SOURCE.md), delivered byte for byte, and
 * variants of it; pull request and create payloads, which Gitea does not document, built in
 * the shape of its webhook structs around the documented repository. Headers as Gitea 1.2x
 * sends them: X-Gitea-*, X-Gogs-*, X-GitHub-*, X-Gitea-Signature and X-Hub-Signature-256.
 */
type Json = Record<string, unknown>;
const DOCUMENTED = readFileSync(new URL('./testdata/gitea/push.json', import.meta.url));
const documented = () => JSON.parse(DOCUMENTED.toString('utf8')) as Json;
const SECRET = 'gitea secret';
const FULL = 'gitea/webhooks';
const SHA = 'bffeb74224043ba2feb48d137756c8a9331c449a';
const ZERO = '0000000000000000000000000000000000000000';
const repository = documented().repository as Json;
const [documentedCommit] = documented().commits as Json[];
/** The documented commit with the file lists real Gitea deliveries carry (the example omits them). */
const commit = (files: Json) => ({ ...documentedCommit, added: [], removed: [], modified: [], ...files });
const push = (over: Json = {}): Json => ({
  ...documented(),
  commits: [commit({ added: ['docs/a.md'], modified: ['README.md'] })],
  ...over,
});
const branchInfo = (ref: string, repoId: number, sha: string) => ({
  label: ref,
  ref,
  sha,
  repo_id: repoId,
  repo: { ...repository, id: repoId },
});
const pullRequest = (action: string, headRepoId = 140): Json => ({
  action,
  number: 7,
  pull_request: {
    id: 70,
    number: 7,
    user: { id: 2, login: 'alice' },
    title: 'Add docs',
    body: '',
    head: branchInfo('feature/docs', headRepoId, SHA),
    base: branchInfo('main', 140, '28e1879d029cb852e4844d9c718537df08844e03'),
  },
  repository,
  sender: { id: 2, login: 'alice' },
});

const hex = (body: Buffer, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** Headers as Gitea sends them; `sig` overrides X-Gitea-Signature (undefined drops it). */
function giteaHeaders(event: string, body: Buffer, over: Record<string, string | undefined> = {}) {
  const id = 'f6266f16-1bf3-46a5-9ea4-602e06ead473';
  return {
    'X-GitHub-Delivery': id,
    'X-GitHub-Event': event,
    'X-Gogs-Delivery': id,
    'X-Gogs-Event': event,
    'X-Gitea-Delivery': id,
    'X-Gitea-Event': event,
    'X-Gitea-Signature': hex(body),
    'X-Hub-Signature-256': `sha256=${hex(body)}`,
    ...over,
  };
}

async function deliver(event: string, payload: Json | Buffer, over: Record<string, string | undefined> = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const outcome = await giteaWebhook(giteaHeaders(event, body, over), body, (n) =>
    n === FULL ? SECRET : undefined,
  );
  WebhookOutcomeSchema.parse(outcome);
  if (outcome.kind === 'run') makeEvent({ ...outcome.event, run: { id: 'r', number: 1 } });
  return outcome;
}

const REPO_OUT = { fullName: FULL, cloneUrl: repository.clone_url, defaultBranch: 'main' };
const EVENT_REPO = { name: FULL, url: repository.clone_url, defaultBranch: 'main' };
const COMMIT = { sha: SHA, message: 'Webhooks Yay!', author: 'Gitea <someone@gitea.io>' };
const base = {
  kind: 'run',
  deliveryId: 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
  repo: REPO_OUT,
  fromFork: false,
};

test('the documented Gitea push runs on its branch; its commits list no files, so paths are unknown', async () => {
  assert.deepEqual(await deliver('push', DOCUMENTED), {
    ...base,
    event: { kind: 'push', branch: 'develop', repo: EVENT_REPO, commit: COMMIT },
  });
});

test('a Gitea branch push becomes a push event with its changed paths, since its previous commit', async () => {
  assert.deepEqual(await deliver('push', push()), {
    ...base,
    since: '28e1879d029cb852e4844d9c718537df08844e03',
    event: {
      kind: 'push',
      branch: 'develop',
      repo: EVENT_REPO,
      commit: COMMIT,
      changedPaths: ['README.md', 'docs/a.md'],
    },
  });
});

test('a new-branch push (before all zeros, no commits) runs with unknown changed paths', async () => {
  for (const commits of [[], null]) {
    const head_commit = commit({});
    const outcome = await deliver('push', push({ before: ZERO, commits, total_commits: 0, head_commit }));
    assert.deepEqual(outcome, {
      ...base,
      event: { kind: 'push', branch: 'develop', repo: EVENT_REPO, commit: COMMIT },
    });
  }
});

test('a tag push arrives as push and create: one run, the create ignored', async () => {
  const tagPush = await deliver(
    'push',
    push({ ref: 'refs/tags/v1.0.0', before: ZERO, commits: [], head_commit: commit({}) }),
  );
  const create = await deliver('create', {
    sha: SHA,
    ref: 'v1.0.0',
    ref_type: 'tag',
    repository,
    sender: {},
  });
  assert.deepEqual(tagPush, {
    ...base,
    event: { kind: 'tag', tag: 'v1.0.0', repo: EVENT_REPO, commit: COMMIT },
  });
  assert.deepEqual(create, { kind: 'ignored', reason: 'create: the push of the same ref starts the run' });
});

test('branch deletions are ignored: the delete event and a push to all zeros', async () => {
  const del = await deliver('delete', {
    ref: 'develop',
    ref_type: 'branch',
    pusher_type: 'user',
    repository,
  });
  assert.deepEqual(del, { kind: 'ignored', reason: 'unhandled event delete' });
  const gone = await deliver('push', push({ after: ZERO, commits: [], head_commit: null }));
  assert.deepEqual(gone, { kind: 'ignored', reason: 'refs/heads/develop deleted' });
});

test('pull request opened and synchronized (Gitea’s name) run; from a fork when the head repo differs', async () => {
  const expected = {
    ...base,
    event: {
      kind: 'pull_request',
      branch: 'feature/docs',
      repo: EVENT_REPO,
      commit: { sha: SHA, message: 'Add docs', author: 'alice' },
      pullRequest: { number: 7, targetBranch: 'main' },
    },
  };
  assert.deepEqual(await deliver('pull_request', pullRequest('opened')), expected);
  assert.deepEqual(await deliver('pull_request', pullRequest('synchronized')), expected);
  assert.deepEqual(await deliver('pull_request', pullRequest('synchronized', 141)), {
    ...expected,
    fromFork: true,
  });
  assert.deepEqual(await deliver('pull_request', pullRequest('closed')), {
    kind: 'ignored',
    reason: 'pull_request action closed',
  });
});

test('the endpoint decides the forge, not the GitHub headers Gitea also sends', async () => {
  const body = Buffer.from(JSON.stringify(pullRequest('synchronized')));
  const headers = giteaHeaders('pull_request', body);
  const asGitHub = await githubWebhook(headers, body, () => SECRET);
  assert.deepEqual(asGitHub, { kind: 'ignored', reason: 'pull_request action synchronized' });
  const misleading = await deliver('push', push(), { 'X-GitHub-Event': 'issues' });
  assert.equal(misleading.kind, 'run');
  const onlyHub = await deliver('push', push(), { 'X-Gitea-Signature': undefined });
  assert.deepEqual(onlyHub, { kind: 'rejected', status: 401, reason: 'unsigned: no X-Gitea-Signature' });
});

test('Forgejo’s header names are read too', async () => {
  const body = Buffer.from(JSON.stringify(push()));
  const headers = {
    'X-Forgejo-Delivery': 'fj-1',
    'X-Forgejo-Event': 'push',
    'X-Forgejo-Signature': hex(body),
  };
  const outcome = await giteaWebhook(headers, body, () => SECRET);
  assert.equal(outcome.kind === 'run' && outcome.deliveryId, 'fj-1');
});

test('a wrong, prefixed or empty Gitea signature is 401', async () => {
  const body = Buffer.from(JSON.stringify(push()));
  assert.deepEqual(await deliver('push', push(), { 'X-Gitea-Signature': hex(body, 'other') }), {
    kind: 'rejected',
    status: 401,
    reason: 'unknown repository or signature mismatch',
  });
  for (const sig of ['', `sha256=${hex(body)}`]) {
    const outcome = await deliver('push', push(), { 'X-Gitea-Signature': sig });
    assert.deepEqual(
      outcome,
      { kind: 'rejected', status: 401, reason: 'unsigned: no X-Gitea-Signature' },
      sig,
    );
  }
});
