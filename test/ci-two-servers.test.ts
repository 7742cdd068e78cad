import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { wireKeys } from '../pipelines/index.js';
import { getJobs, listRuns } from '../server/store/index.js';
import { type CiSystem, startCiSystem, until } from './helpers/ci-system.js';
import { onCleanup } from './helpers/cleanup.js';
import { git, testGitRepo } from './helpers/git-repo.js';
import { readSse, type SseEvent } from './helpers/sse.js';

/** `git push` without blocking this process: the fan-out forge below answers its hook. */
const push = (dir: string, bare: string) =>
  new Promise<void>((resolve, reject) =>
    execFile('git', ['push', '-q', bare, 'main'], { cwd: dir }, (err) => (err ? reject(err) : resolve())),
  );

// Two servers behind one Redis, archiving logs in the registry: every webhook delivered to
// both (one first, then the other, taking turns) starts exactly one run; SSE from either
// server gives the same lines; a log archived by one is read through the other.

let ci: CiSystem;
let urls: [string, string];
/** Per webhook: the status each server answered, first-asked first. */
const answers: Array<{ first: number; second: number }> = [];

before(async () => {
  ci = await startCiSystem({ serverArgs: (registry) => ['--log-archive', `${registry.host}/slipway/logs`] });
  urls = [ci.url, (await ci.addServer()).url];
  await ci.startRunner('two-a', ['--concurrency', '2']);
});

/** A forge that delivers each webhook to both servers, alternating which one hears it first. */
async function fanOut(targets: [string, string]): Promise<string> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
    ) as Record<string, string>;
    const order = answers.length % 2 === 0 ? targets : ([targets[1], targets[0]] as const);
    const send = (base: string) => fetch(`${base}${req.url}`, { method: 'POST', headers, body });
    const first = await send(order[0]);
    const text = await first.text();
    const second = await send(order[1]);
    await second.text();
    answers.push({ first: first.status, second: second.status });
    res.writeHead(first.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const lines = (events: SseEvent[]) =>
  events.filter((e) => e.event === 'line').map((e) => (JSON.parse(e.data) as { text: string }).text);

const STEP_LINES = 30;
const auth = () => ({ authorization: `Bearer ${ci.token}` });

describe('two servers behind one Redis', () => {
  it('20 webhooks, each delivered to both servers: exactly 20 runs; SSE from each gives the same lines; the archived log reads through the other', async (t) => {
    const hookBase = await fanOut(urls);
    const { bare } = await ci.addRepo('github', 'acme/twice', { hookBase });
    const work = await testGitRepo({
      '.slipway.yml': `image: busybox:latest\njobs:\n  count:\n    steps:\n      - run: for i in $(seq 1 ${STEP_LINES}); do echo "line $i"; sleep 0.05; done\n`,
    });
    await push(work.dir, bare);
    const first = await until('the first run', async () => (await listRuns(ci.redis, 'acme/twice'))[0]);
    const firstJob = first.jobs[0] as string;
    // Both servers stream the first job's log live while the other webhooks come in.
    const streams = urls.map((base) =>
      readSse(`${base}/api/jobs/${firstJob}/log/stream`, { headers: auth() }),
    );
    for (let i = 1; i < 20; i++) {
      git(work.dir, 'commit', '-q', '--allow-empty', '-m', `change ${i}`);
      await push(work.dir, bare);
    }
    const runs = await ci.finishedRuns('acme/twice', 20, 180_000);
    assert.equal(runs.length, 20, 'exactly one run per webhook');
    assert.deepEqual(
      runs.map((r) => r.status),
      Array(20).fill('success'),
    );
    assert.equal(answers.length, 20);
    assert.ok(
      answers.every((a) => a.first === 201 && a.second === 200),
      `the first server asked starts the run, the other answers 200 (redelivery): ${JSON.stringify(answers)}`,
    );

    const [fromA, fromB] = await Promise.all(streams);
    const expected = Array.from({ length: STEP_LINES }, (_, i) => `line ${i + 1}`);
    assert.deepEqual(lines(fromA?.events ?? []), expected, 'SSE from the first server');
    assert.deepEqual(lines(fromB?.events ?? []), expected, 'SSE from the second server');

    const [job] = await getJobs(ci.redis, [firstJob]);
    assert.equal(job?.state, 'success');
    const archived = await Promise.all(
      urls.map(async (base) => (await fetch(`${base}/api/jobs/${firstJob}/log`, { headers: auth() })).text()),
    );
    assert.equal(archived[0], `${expected.join('\n')}\n`);
    assert.equal(archived[1], archived[0], 'the archived log reads the same through both servers');
    const manifest = await fetch(`http://${ci.registry.host}/v2/slipway/logs/manifests/${firstJob}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(manifest.status, 200, 'the log is archived in the registry');
    assert.equal(
      ((await manifest.json()) as { artifactType: string }).artifactType,
      'application/vnd.slipway.job-log.v1',
    );
    assert.equal(await ci.redis.exists(wireKeys.log(firstJob)), 0, 'and gone from Redis');
    t.diagnostic(`20 runs, ${answers.filter((_, i) => i % 2 === 0).length} first delivered to each server`);
  });
});
