import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { freePort } from '../lib/net.js';
import { type CommitStatus, createCommitStatusReporter, type Forge } from '../server/statuses/index.js';
import { type FakeForge, startFakeForge } from './helpers/fake-forge.js';

const TOKEN = 'tok-6f1c9e0a-not-for-logs';
const COMMIT = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';
const FAST = { baseDelayMs: 10, maxDelayMs: 50, requestTimeoutMs: 2_000, totalMs: 10_000 };

/** A reporter whose pino lines (debug and up) are kept in `lines`. */
function reporter(policy: object = FAST) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { r: createCommitStatusReporter({ policy, log: pino({ level: 'debug' }, sink) }), lines };
}

const REPOS: Record<Forge, string> = {
  github: 'octo/hello',
  gitlab: 'group/sub/project',
  gitea: 'gitea/demo',
};

function status(forge: Forge, fake: FakeForge, extra: Partial<CommitStatus> = {}): CommitStatus {
  return {
    forge,
    apiUrl: fake.apiUrl,
    token: TOKEN,
    repo: REPOS[forge],
    commit: COMMIT,
    state: 'pending',
    context: 'slipway/ci',
    description: 'queued',
    targetUrl: 'http://ci.example.test/runs/7',
    ...extra,
  };
}

/** Each forge's name for the state, as its documentation lists it. */
const FAILED: Record<Forge, string> = { github: 'failure', gitlab: 'failed', gitea: 'failure' };

for (const forge of ['github', 'gitlab', 'gitea'] as const) {
  describe(`commit statuses on ${forge}`, () => {
    for (const end of ['success', 'failure'] as const) {
      test(`pending then ${end}: recorded in order, in the documented shape, with the link`, async () => {
        const fake = await startFakeForge(forge, TOKEN);
        const { r } = reporter();
        assert.deepEqual(await r.report(status(forge, fake)), { ok: true, attempts: 1 });
        const done = await r.report(status(forge, fake, { state: end, description: `run ${end}` }));
        assert.deepEqual(done, { ok: true, attempts: 1 });
        assert.deepEqual(fake.malformed, []);
        const want = end === 'success' ? 'success' : FAILED[forge];
        assert.deepEqual(
          fake.requests.map((q) => q.body.state),
          ['pending', want],
        );
        for (const q of fake.requests) {
          assert.equal(q.repo, REPOS[forge]);
          assert.equal(q.commit, COMMIT);
          assert.equal(q.body.target_url, 'http://ci.example.test/runs/7');
          assert.equal(forge === 'gitlab' ? q.body.name : q.body.context, 'slipway/ci');
        }
        if (forge === 'gitlab')
          assert.match(fake.requests[0]?.path ?? '', /^\/projects\/group%2Fsub%2Fproject\//);
        assert.equal(fake.requests[1]?.body.description, `run ${end}`);
      });
    }

    test('a 500 then a 201: retried once', async () => {
      const fake = await startFakeForge(forge, TOKEN);
      fake.script.push({ status: 500, body: { message: 'boom' } });
      const { r } = reporter();
      assert.deepEqual(await r.report(status(forge, fake, { state: 'success' })), { ok: true, attempts: 2 });
      assert.deepEqual(
        fake.requests.map((q) => q.answered),
        [500, 201],
      );
    });

    test('a 401: not retried, the error names the status and the forge message, never the token', async () => {
      const fake = await startFakeForge(forge, TOKEN);
      fake.script.push({ status: 401, body: { message: `Bad credentials: ${TOKEN}` } });
      const { r, lines } = reporter();
      const res = await r.report(status(forge, fake, { state: 'success' }));
      assert.equal(fake.requests.length, 1);
      assert.ok(!res.ok && 'error' in res, JSON.stringify(res));
      assert.equal(res.status, 401);
      assert.match(res.error, /HTTP 401: Bad credentials: \*\*\*/);
      assert.ok(!JSON.stringify(res).includes(TOKEN));
      assert.ok(
        lines.some((l) => l.includes('HTTP 401')),
        'the failure is logged',
      );
      assert.ok(!lines.some((l) => l.includes(TOKEN)), lines.join('\n'));
    });
  });
}

describe('commit statuses: configuration, limits, ordering', () => {
  test('no token, or a Gitea repository without an API URL: skipped with a reason, no request', async () => {
    const fake = await startFakeForge('gitea', TOKEN);
    const { r, lines } = reporter();
    const noToken = await r.report(status('gitea', fake, { token: undefined }));
    assert.ok(!noToken.ok && 'skipped' in noToken && /no status token/.test(noToken.skipped));
    const noApi = await r.report(status('gitea', fake, { apiUrl: undefined }));
    assert.ok(!noApi.ok && 'skipped' in noApi && /no gitea API URL/.test(noApi.skipped));
    assert.equal(fake.requests.length + fake.malformed.length, 0);
    assert.ok(lines.some((l) => l.includes('no status token')));
  });

  test('a description over 140 characters is cut to 140', async () => {
    const fake = await startFakeForge('github', TOKEN);
    const { r } = reporter();
    assert.ok((await r.report(status('github', fake, { description: 'x'.repeat(500) }))).ok);
    const sent = fake.requests[0]?.body.description ?? '';
    assert.equal([...sent].length, 140);
    assert.ok(sent.endsWith('…'));
  });

  test('invalid input (a short commit id, a non-http link) is an error, not a throw or a request', async () => {
    const fake = await startFakeForge('github', TOKEN);
    const { r } = reporter();
    const res = await r.report(
      status('github', fake, { commit: 'abc123', targetUrl: 'javascript:alert(1)' }),
    );
    assert.ok(!res.ok && 'error' in res && /commit/.test(res.error) && /targetUrl/.test(res.error));
    assert.equal(fake.requests.length, 0);
  });

  test('a 429 with Retry-After is waited out; one past the cap gives up at once', async () => {
    const fake = await startFakeForge('github', TOKEN);
    fake.script.push({ status: 429, headers: { 'retry-after': '1' } });
    const { r } = reporter({ ...FAST, maxRetryAfterMs: 5_000 });
    const t0 = Date.now();
    assert.deepEqual(await r.report(status('github', fake)), { ok: true, attempts: 2 });
    assert.ok(Date.now() - t0 >= 900, 'waited about the second the forge asked for');
    fake.script.push({ status: 429, headers: { 'retry-after': '3600' } });
    const res = await r.report(status('github', fake, { state: 'success' }));
    assert.ok(
      !res.ok && 'error' in res && /Retry-After 3600 s is too long/.test(res.error),
      JSON.stringify(res),
    );
  });

  test('an unreachable forge: retried with backoff, then an error naming the host, in bounded time', async () => {
    const port = await freePort();
    const { r, lines } = reporter({ ...FAST, attempts: 3 });
    const t0 = Date.now();
    const res = await r.report({
      ...status('gitea', { apiUrl: '' } as FakeForge),
      apiUrl: `http://127.0.0.1:${port}/api/v1`,
    });
    assert.ok(Date.now() - t0 < 5_000);
    assert.ok(!res.ok && 'error' in res, JSON.stringify(res));
    assert.equal(res.attempts, 3);
    assert.match(res.error, new RegExp(`cannot reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    assert.ok(!lines.some((l) => l.includes(TOKEN)));
  });

  test('a slow, retried pending never lands after the success that followed it', async () => {
    const fake = await startFakeForge('github', TOKEN);
    fake.script.push({ status: 503 });
    // Backoff long enough that, without supersession, the pending retry would come last.
    const { r } = reporter({ ...FAST, baseDelayMs: 3_000, maxDelayMs: 3_000 });
    const pending = r.report(status('github', fake));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the 503 has been answered
    const t0 = Date.now();
    const success = await r.report(status('github', fake, { state: 'success' }));
    assert.deepEqual(success, { ok: true, attempts: 1 });
    assert.ok(Date.now() - t0 < 1_000, 'the success did not wait out the pending backoff');
    const p = await pending;
    assert.ok(!p.ok && 'skipped' in p && /superseded/.test(p.skipped), JSON.stringify(p));
    assert.deepEqual(
      fake.requests.map((q) => `${q.body.state} ${q.answered}`),
      ['pending 503', 'success 201'],
    );
  });

  test('a status still waiting when a newer one comes is dropped; the newest is sent last', async () => {
    const fake = await startFakeForge('gitlab', TOKEN);
    fake.script.push({ status: 201, delayMs: 300 });
    const { r } = reporter();
    const s = (state: CommitStatus['state']) => r.report(status('gitlab', fake, { state }));
    const [a, b, c] = await Promise.all([s('pending'), s('running'), s('success')]);
    assert.ok(a.ok && c.ok);
    assert.ok(!b.ok && 'skipped' in b && /superseded/.test(b.skipped));
    assert.deepEqual(
      fake.requests.map((q) => q.body.state),
      ['pending', 'success'],
    );
  });

  test('statuses of different contexts do not wait for each other', async () => {
    const fake = await startFakeForge('gitea', TOKEN);
    fake.script.push({ status: 201, delayMs: 500 });
    const { r } = reporter();
    const slow = r.report(status('gitea', fake, { context: 'slipway/a' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t0 = Date.now();
    assert.ok((await r.report(status('gitea', fake, { context: 'slipway/b' }))).ok);
    assert.ok(Date.now() - t0 < 400);
    assert.ok((await slow).ok);
  });
});
