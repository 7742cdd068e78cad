import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useExecutorFixture } from './helpers/executor-fixture.js';

describe('services are awaited until ready', () => {
  const f = useExecutorFixture();

  for (const [kind, ready] of [
    ['port', '{ port: 8080, timeout: 30s }'],
    // localhost only answers inside the service: the check runs in its container, as a HEALTHCHECK does.
    ['command', '{ command: "wget -q -O /dev/null http://localhost:8080/index.html", timeout: 30s }'],
  ] as const) {
    it(`starts the steps only once a slow service listens (${kind} check): one connection succeeds`, async () => {
      const spec = f
        .plan(`image: busybox:latest
jobs:
  slow:
    services:
      - name: web
        image: busybox:latest
        command: sleep 3; mkdir -p /www; echo hello from web > /www/index.html; exec httpd -f -p 8080 -h /www
        ready: ${ready}
    steps:
      - name: fetch once
        run: wget -q -O - http://web:8080/index.html
`)
        .get('slow')!;
      const started = Date.now();
      const { result, out } = await f.run(spec);
      assert.equal(result.status, 'success', out);
      assert.deepEqual(
        result.steps.map((s) => [s.status, s.attempts]),
        [['success', 1]],
      );
      assert.match(out, /service web is ready\n[\s\S]*── fetch once[^\n]*\n {3}hello from web\n/);
      assert.ok(Date.now() - started >= 3000, 'the step waited for the service');
    });
  }

  for (const [kind, ready] of [
    ['port', '{ port: 8080, timeout: 3s }'],
    ['command', '{ command: "nc -z localhost 8080", timeout: 3s }'],
  ] as const) {
    it(`fails the job within ready.timeout when the ${kind} check never passes`, async () => {
      const spec = f
        .plan(`image: busybox:latest
jobs:
  never:
    services:
      - name: mute
        image: busybox:latest
        command: echo up but not listening; sleep 1000
        ready: ${ready}
    steps:
      - run: echo should not run
`)
        .get('never')!;
      const started = Date.now();
      const { result, out } = await f.run(spec);
      const took = Date.now() - started;
      assert.equal(result.status, 'failure', out);
      assert.match(
        result.error?.message ?? '',
        /^service mute was not ready within 3s; last output:\nup but not listening/,
      );
      assert.match(out, /✖ job never failed: service mute was not ready within 3s/);
      assert.doesNotMatch(out, /should not run/);
      assert.ok(took >= 3000 && took < 12_000, `failed after ${took} ms, expected soon after 3 s`);
    });
  }

  it('fails the job with the exit code of a service that exits before it is ready', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  dies:
    services:
      - name: crashy
        image: busybox:latest
        command: echo giving up; exit 4
        ready: { port: 8080, timeout: 60s }
    steps:
      - run: echo should not run
`)
      .get('dies')!;
    const started = Date.now();
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'failure', out);
    assert.match(
      result.error?.message ?? '',
      /^service crashy exited with exit code 4 before it was ready; last output:\ngiving up/,
    );
    assert.doesNotMatch(out, /should not run/);
    assert.ok(Date.now() - started < 15_000, 'did not wait for the ready timeout');
  });
});
