import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { makeEvent } from '../../pipelines/index.js';
import { githubWebhook, type WebhookOutcome, WebhookOutcomeSchema } from './index.js';

/** Real payloads from @octokit/webhooks-examples (api.github.com), by event name and action/ref. */
type Json = Record<string, unknown>;
const definitions = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8'),
) as { name: string; examples: Json[] }[];
function example(name: string, pick: (e: Json) => boolean): Json {
  const found = definitions.find((d) => d.name === name)?.examples.find(pick);
  assert.ok(found, `no ${name} example`);
  return structuredClone(found);
}
const branchPush = () => example('push', (e) => e.ref === 'refs/heads/master');
const tagPush = () => example('push', (e) => e.ref === 'refs/tags/simple-tag' && e.deleted === false);
const tagDeletion = () => example('push', (e) => e.deleted === true);
const pr = (action: string) => example('pull_request', (e) => e.action === action);

const SECRET = 'It’s a Secret to Everybody';
const REPO = 'Codertocat/Hello-World';
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const AUTHOR = 'Codertocat <21031067+Codertocat@users.noreply.github.com>';
const REPO_OUT = {
  fullName: REPO,
  cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
  defaultBranch: 'master',
};
const EVENT_REPO = { name: REPO, url: REPO_OUT.cloneUrl, defaultBranch: 'master' };

/** Delivers `payload` as GitHub would: signed with `secret` (node:crypto, independent of the code under test). */
async function deliver(event: string, payload: Json | Buffer, opts: { secret?: string; sig?: string } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const sig =
    opts.sig ??
    `sha256=${createHmac('sha256', opts.secret ?? SECRET)
      .update(body)
      .digest('hex')}`;
  const asked: string[] = [];
  const headers = { 'X-GitHub-Event': event, 'X-GitHub-Delivery': 'd-1', 'X-Hub-Signature-256': sig };
  const outcome = await githubWebhook(headers, body, (name) => {
    asked.push(name);
    return name === REPO || name === 'Octocoders/Hello-World' ? SECRET : undefined;
  });
  WebhookOutcomeSchema.parse(outcome);
  if (outcome.kind === 'run') makeEvent({ ...outcome.event, run: { id: 'r', number: 1 } });
  return { outcome, asked };
}
const run = (event: Extract<WebhookOutcome, { kind: 'run' }>['event']) => ({
  kind: 'run',
  deliveryId: 'd-1',
  repo: REPO_OUT,
  fromFork: false,
  event,
});

test('a branch push becomes a push event with its changed paths', async () => {
  const { outcome } = await deliver('push', branchPush());
  assert.deepEqual(
    outcome,
    run({
      kind: 'push',
      branch: 'master',
      repo: EVENT_REPO,
      commit: { sha: SHA, message: 'Initial commit', author: AUTHOR },
      changedPaths: ['README.md'],
    }),
  );
});

test('changed paths are added, modified and removed of every commit, deduplicated', async () => {
  const payload = branchPush();
  const [first] = payload.commits as Json[];
  const second = {
    ...first,
    id: 'b'.repeat(40),
    added: ['src/a.ts'],
    modified: ['README.md'],
    removed: ['old.txt'],
  };
  payload.commits = [first, second];
  const { outcome } = await deliver('push', payload);
  assert.equal(outcome.kind, 'run');
  if (outcome.kind === 'run')
    assert.deepEqual(outcome.event.changedPaths, ['README.md', 'old.txt', 'src/a.ts']);
});

test('a forced push, one without commits or with GitHub’s maximum of them has unknown changed paths', async () => {
  const full = Array.from({ length: 2048 }, () => (branchPush().commits as Json[])[0]);
  const before = 'a'.repeat(40);
  for (const change of [{ forced: true }, { commits: [] }, { commits: full }]) {
    const { outcome } = await deliver('push', { ...branchPush(), before, ...change });
    assert.equal(outcome.kind, 'run');
    if (outcome.kind === 'run') {
      assert.equal('changedPaths' in outcome.event, false, JSON.stringify(change));
      assert.equal(outcome.since, undefined, 'nothing proves what changed since the previous commit');
    }
  }
});

test('a push to an existing branch listing all its commits says since which commit they changed', async () => {
  const before = 'a'.repeat(40);
  const { outcome } = await deliver('push', { ...branchPush(), before });
  assert.equal(outcome.kind === 'run' && outcome.since, before);
  const created = await deliver('push', branchPush()); // a new branch: before is all zeros
  assert.equal(created.outcome.kind === 'run' && created.outcome.since, undefined);
});

test('a tag push becomes a tag event on the tagged commit', async () => {
  const { outcome } = await deliver('push', tagPush());
  assert.deepEqual(
    outcome,
    run({
      kind: 'tag',
      tag: 'simple-tag',
      repo: EVENT_REPO,
      commit: { sha: SHA, message: 'Adding a .gitignore file', author: AUTHOR },
    }),
  );
});

test('deleting a tag or a branch is ignored', async () => {
  assert.deepEqual((await deliver('push', tagDeletion())).outcome, {
    kind: 'ignored',
    reason: 'refs/tags/simple-tag deleted',
  });
  const branch = { ...tagDeletion(), ref: 'refs/heads/feature', deleted: undefined };
  assert.deepEqual((await deliver('push', branch)).outcome, {
    kind: 'ignored',
    reason: 'refs/heads/feature deleted',
  });
});

test('pull requests opened and synchronized run on the head commit against the target branch', async () => {
  for (const action of ['opened', 'synchronize']) {
    const { outcome } = await deliver('pull_request', pr(action));
    assert.deepEqual(
      outcome,
      run({
        kind: 'pull_request',
        branch: 'changes',
        repo: EVENT_REPO,
        commit: {
          sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
          message: 'Update the README with new information.',
          author: 'Codertocat',
        },
        pullRequest: { number: 2, targetBranch: 'master' },
      }),
      action,
    );
  }
});

test('a pull request whose head is in another (or a deleted) repository is from a fork', async () => {
  const fromFork = pr('synchronize');
  const head = (fromFork.pull_request as { head: { repo: Json } }).head;
  head.repo = { ...head.repo, id: 1, full_name: 'mallory/Hello-World', fork: true };
  assert.equal(((await deliver('pull_request', fromFork)).outcome as { fromFork: boolean }).fromFork, true);
  head.repo = null as unknown as Json;
  assert.equal(((await deliver('pull_request', fromFork)).outcome as { fromFork: boolean }).fromFork, true);
});

test('ping, other pull request actions and other events are ignored', async () => {
  const ping = example('ping', (e) => e.repository !== undefined);
  assert.deepEqual((await deliver('ping', ping)).outcome, { kind: 'ignored', reason: 'ping' });
  assert.deepEqual((await deliver('pull_request', pr('closed'))).outcome, {
    kind: 'ignored',
    reason: 'pull_request action closed',
  });
  const star = { ...branchPush(), action: 'created' };
  assert.deepEqual((await deliver('star', star)).outcome, {
    kind: 'ignored',
    reason: 'unhandled event star',
  });
});

test('repository timestamps run in either form: integers (push) and ISO strings (pull_request)', async () => {
  const push = branchPush();
  const repo = push.repository as Json;
  assert.equal(typeof repo.pushed_at, 'number');
  const iso = { ...repo, created_at: '2019-05-15T15:19:25Z', pushed_at: '2019-05-15T15:20:57Z' };
  assert.equal((await deliver('push', push)).outcome.kind, 'run');
  assert.equal((await deliver('push', { ...push, repository: iso })).outcome.kind, 'run');
  const opened = pr('opened');
  const asInts = { ...(opened.repository as Json), created_at: 1557933565, pushed_at: 1557933632 };
  assert.equal(typeof (opened.repository as Json).pushed_at, 'string');
  assert.equal((await deliver('pull_request', opened)).outcome.kind, 'run');
  assert.equal((await deliver('pull_request', { ...opened, repository: asInts })).outcome.kind, 'run');
});
