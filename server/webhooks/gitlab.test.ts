import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { makeEvent } from '../../pipelines/index.js';
import { gitlabWebhook, MAX_BODY_BYTES, type WebhookOutcome, WebhookOutcomeSchema } from './index.js';

/** GitLab's documented example payloads (testdata/gitlab/SOURCE.md), delivered byte for byte. */
type Json = Record<string, unknown>;
const raw = (name: string) => readFileSync(new URL(`./testdata/gitlab/${name}.json`, import.meta.url));
const json = (name: string) => JSON.parse(raw(name).toString('utf8')) as Json;
const TOKEN = 'gitlab webhook token';
const KNOWN = ['mike/diaspora', 'jsmith/example', 'gitlabhq/gitlab-test'];
const ZERO = '0000000000000000000000000000000000000000';
const KEY = '908a6d9e-45fd-46c8-97e6-c4f350f219dd';
const UNAUTHORIZED = { kind: 'rejected', status: 401, reason: 'unknown repository or signature mismatch' };

/** Headers as GitLab 17.x sends them; `over` replaces or (undefined) drops one. */
function gitlabHeaders(event: string, over: Record<string, string | undefined> = {}) {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.6.0',
    'X-Gitlab-Event': event,
    'X-Gitlab-Token': TOKEN,
    'X-Gitlab-Instance': 'https://gitlab.example.com',
    'X-Gitlab-Webhook-UUID': '2a0e8d0c-6f3e-4b55-9c39-7f1d2ac3e1b0',
    'X-Gitlab-Event-UUID': 'b3b1e4a2-1a4f-4e8e-9f0e-0c5d7a1e2f3a',
    'Idempotency-Key': KEY,
    ...over,
  };
}

async function deliver(event: string, payload: Json | Buffer, over: Record<string, string | undefined> = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
  const asked: string[] = [];
  const outcome = await gitlabWebhook(gitlabHeaders(event, over), body, (name) => {
    asked.push(name);
    return KNOWN.includes(name) ? TOKEN : undefined;
  });
  WebhookOutcomeSchema.parse(outcome);
  if (outcome.kind === 'run') makeEvent({ ...outcome.event, run: { id: 'r', number: 1 } });
  return { outcome, asked };
}
const eventOf = (o: WebhookOutcome) => (o.kind === 'run' ? o.event : assert.fail(JSON.stringify(o)));

const DIASPORA = {
  name: 'mike/diaspora',
  url: 'http://example.com/mike/diaspora.git',
  defaultBranch: 'master',
};
const HEAD = {
  sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
  message: 'fixed readme',
  author: 'GitLab dev user <gitlabdev@dv6700.(none)>',
};

test('the documented Push Hook runs on its branch and commit; 4 commits pushed, 2 listed: paths unknown', async () => {
  const { outcome } = await deliver('Push Hook', raw('push'));
  assert.deepEqual(outcome, {
    kind: 'run',
    deliveryId: KEY,
    repo: { fullName: 'mike/diaspora', cloneUrl: DIASPORA.url, defaultBranch: 'master' },
    fromFork: false,
    event: { kind: 'push', branch: 'master', repo: DIASPORA, commit: HEAD },
  });
});

test('a push listing all its commits carries their changed paths; over 20 pushed, none', async () => {
  const complete = { ...json('push'), total_commits_count: 2 };
  assert.deepEqual(eventOf((await deliver('Push Hook', complete)).outcome).changedPaths, [
    'CHANGELOG',
    'app/controller/application.rb',
  ]);
  const [first] = json('push').commits as Json[];
  const twenty = Array.from({ length: 20 }, (_, i) => ({ ...first, id: `${i}`.padStart(40, 'c') }));
  twenty[19] = { ...twenty[19], id: HEAD.sha };
  const cut = { ...json('push'), commits: twenty, total_commits_count: 21 };
  const event = eventOf((await deliver('Push Hook', cut)).outcome);
  assert.equal(event.changedPaths, undefined);
  assert.equal(event.commit.sha, HEAD.sha);
  const exactly20 = { ...cut, total_commits_count: 20 };
  assert.ok(eventOf((await deliver('Push Hook', exactly20)).outcome).changedPaths);
  const since = (o: WebhookOutcome) => (o.kind === 'run' ? o.since : 'not a run');
  assert.equal(since((await deliver('Push Hook', complete)).outcome), json('push').before);
  assert.equal(since((await deliver('Push Hook', cut)).outcome), undefined);
});

test('a wrong token and an unknown project get the same 401; a missing or empty one is unsigned', async () => {
  const wrong = await deliver('Push Hook', raw('push'), { 'X-Gitlab-Token': 'not the token' });
  const longer = await deliver('Push Hook', raw('push'), { 'X-Gitlab-Token': `${TOKEN}x` });
  const unknown = await deliver('Push Hook', {
    ...json('push'),
    project: { ...(json('push').project as Json), path_with_namespace: 'mike/other' },
  });
  for (const o of [wrong, longer, unknown]) assert.deepEqual(o.outcome, UNAUTHORIZED);
  assert.deepEqual(wrong.asked, ['mike/diaspora']);
  for (const token of [undefined, '']) {
    const { outcome, asked } = await deliver('Push Hook', raw('push'), { 'X-Gitlab-Token': token });
    assert.deepEqual(outcome, { kind: 'rejected', status: 401, reason: 'unsigned: no X-Gitlab-Token' });
    assert.deepEqual(asked, []);
  }
});

test('the documented Tag Push Hook runs on checkout_sha, also when after is an annotated tag object', async () => {
  const expected = {
    kind: 'tag',
    tag: 'v1.0.0',
    repo: { name: 'jsmith/example', url: 'http://example.com/jsmith/example.git', defaultBranch: 'master' },
    commit: { sha: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7', message: '', author: '' },
  };
  assert.deepEqual(eventOf((await deliver('Tag Push Hook', raw('tag_push'))).outcome), expected);
  const annotated = { ...json('tag_push'), after: 'e9b8a3d0f1c2b3a4d5e6f708192a3b4c5d6e7f80' };
  assert.deepEqual(eventOf((await deliver('Tag Push Hook', annotated)).outcome), expected);
});

test('tag and branch deletions (checkout_sha null, after all zeros) are ignored', async () => {
  const tag = {
    ...json('tag_push'),
    before: '82b3d5ae55f7080f1e6022629cdb57bfae7cccc7',
    after: ZERO,
    checkout_sha: null,
  };
  assert.deepEqual((await deliver('Tag Push Hook', tag)).outcome, {
    kind: 'ignored',
    reason: 'refs/tags/v1.0.0 deleted',
  });
  const branch = { ...json('push'), after: ZERO, checkout_sha: null, commits: [], total_commits_count: 0 };
  assert.deepEqual((await deliver('Push Hook', branch)).outcome, {
    kind: 'ignored',
    reason: 'refs/heads/master deleted',
  });
});

const mr = (attrs: Json): Json => {
  const body = json('merge_request');
  return { ...body, object_attributes: { ...(body.object_attributes as Json), ...attrs } };
};
const MR_EVENT = {
  kind: 'pull_request',
  branch: 'ms-viewport',
  repo: {
    name: 'gitlabhq/gitlab-test',
    url: 'http://example.com/gitlabhq/gitlab-test.git',
    defaultBranch: 'master',
  },
  commit: { sha: HEAD.sha, message: 'MS-Viewport', author: 'root' },
  pullRequest: { number: 1, targetBranch: 'master' },
};

test('the documented Merge Request Hook (open) runs as a pull request; so do reopen and an update that moved the branch', async () => {
  const { outcome } = await deliver('Merge Request Hook', raw('merge_request'));
  assert.deepEqual(outcome, {
    kind: 'run',
    deliveryId: KEY,
    repo: { fullName: 'gitlabhq/gitlab-test', cloneUrl: MR_EVENT.repo.url, defaultBranch: 'master' },
    fromFork: false,
    event: MR_EVENT,
  });
  for (const attrs of [
    { action: 'reopen' },
    { action: 'update', oldrev: '95790bf891e76fee5e1747ab589903a6a1f80f22' },
  ])
    assert.deepEqual(eventOf((await deliver('Merge Request Hook', mr(attrs))).outcome), MR_EVENT);
});

test('a merge request from another project is from a fork', async () => {
  const { outcome } = await deliver('Merge Request Hook', mr({ source_project_id: 15 }));
  assert.equal(outcome.kind === 'run' && outcome.fromFork, true);
});

test('merge request close, merge, approvals and updates without new commits are ignored', async () => {
  for (const action of ['close', 'merge', 'approved', 'unapproved', 'approval']) {
    const { outcome } = await deliver('Merge Request Hook', mr({ action }));
    assert.deepEqual(outcome, { kind: 'ignored', reason: `merge request action ${action}` });
  }
  const { outcome } = await deliver('Merge Request Hook', mr({ action: 'update' }));
  assert.deepEqual(outcome, { kind: 'ignored', reason: 'merge request update without new commits' });
});

test('the delivery id is Idempotency-Key, else X-Gitlab-Event-UUID, never the per-attempt webhook UUID', async () => {
  const fallback = await deliver('Push Hook', raw('push'), { 'Idempotency-Key': undefined });
  assert.equal(
    fallback.outcome.kind === 'run' && fallback.outcome.deliveryId,
    'b3b1e4a2-1a4f-4e8e-9f0e-0c5d7a1e2f3a',
  );
  const neither = await deliver('Push Hook', raw('push'), {
    'Idempotency-Key': undefined,
    'X-Gitlab-Event-UUID': undefined,
  });
  assert.deepEqual(neither.outcome, {
    kind: 'rejected',
    status: 400,
    reason: 'no Idempotency-Key or X-Gitlab-Event-UUID header',
  });
});

test('timestamps are accepted as ISO strings and as integers', async () => {
  const push = json('push');
  const commits = (push.commits as Json[]).map((c) => ({ ...c, timestamp: 1325626589 }));
  assert.equal((await deliver('Push Hook', { ...push, commits })).outcome.kind, 'run');
  const created = mr({ created_at: 1386091414, updated_at: '2013-12-03 17:23:34 UTC' });
  assert.equal((await deliver('Merge Request Hook', created)).outcome.kind, 'run');
});

test('System Hook and other events are ignored; a body over 5 MiB is 413', async () => {
  assert.deepEqual((await deliver('System Hook', raw('push'))).outcome, {
    kind: 'ignored',
    reason: 'System Hook: instance-wide, it would repeat the project webhook; add a project webhook',
  });
  assert.deepEqual((await deliver('Pipeline Hook', raw('push'))).outcome, {
    kind: 'ignored',
    reason: 'unhandled event Pipeline Hook',
  });
  const big = Buffer.concat([raw('push'), Buffer.alloc(MAX_BODY_BYTES, ' ')]);
  const { outcome, asked } = await deliver('Push Hook', big);
  assert.deepEqual(outcome, { kind: 'rejected', status: 413, reason: `body over ${MAX_BODY_BYTES} bytes` });
  assert.deepEqual(asked, []);
});
