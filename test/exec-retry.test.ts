import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useExecutorFixture } from './helpers/executor-fixture.js';

describe('retries of jobs and steps', () => {
  const f = useExecutorFixture();

  it('runs a failed job again from a fresh workspace and records the attempts', async () => {
    // The cache dir survives attempts (it is the only thing that does): it counts them.
    const spec = f
      .plan(`image: busybox:latest
jobs:
  flaky:
    retry: 2
    cache: { key: attempts, paths: [.attempts] }
    steps:
      - name: count
        run: |
          if [ -e dirty ]; then echo "workspace reused"; exit 9; fi
          touch dirty
          echo x >> .attempts/count
          n=$(wc -l < .attempts/count)
          echo "this is attempt $n"
          test "$n" -ge 2
`)
      .get('flaky')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'success', out);
    assert.equal(result.attempts, 2, out);
    assert.deepEqual(
      result.steps.map((s) => [s.name, s.status, s.attempts]),
      [['count', 'success', 1]],
    );
    assert.doesNotMatch(out, /workspace reused/);
    assert.match(out, /this is attempt 1\n[\s\S]*✖ count: exit code 1/);
    assert.match(out, /job flaky failed on attempt 1 of 3; retrying from a fresh workspace/);
    assert.match(out, /▶ job flaky \(attempt 2 of 3\)\n[\s\S]*this is attempt 2\n/);
    assert.match(out, /✔ job flaky succeeded after 2 attempts/);
    assert.doesNotMatch(out, /attempt 3/);
  });

  it('stops after retry + 1 attempts of a job that keeps failing, and does not retry an allowed failure', async () => {
    const specs = f.plan(`image: busybox:latest
jobs:
  broken:
    retry: 1
    steps:
      - run: echo failing; exit 5
  tolerated:
    retry: 3
    allow_failure: true
    steps:
      - run: exit 5
`);
    const broken = await f.run(specs.get('broken')!);
    assert.equal(broken.result.status, 'failure', broken.out);
    assert.equal(broken.result.attempts, 2);
    assert.equal(broken.out.match(/^ {3}failing$/gm)?.length, 2, broken.out);
    assert.match(broken.out, /✖ job broken failed after 2 attempts/);

    const tolerated = await f.run(specs.get('tolerated')!);
    assert.equal(tolerated.result.status, 'failure');
    assert.equal(tolerated.result.allowedFailure, true);
    assert.equal(tolerated.result.attempts, 1, tolerated.out);
  });

  it('retries a failed step in the same workspace and shows the attempt', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  steps:
    steps:
      - name: flaky
        retry: 3
        run: |
          echo x >> tries
          echo "try $(wc -l < tries)"
          test "$(wc -l < tries)" -ge 2
      - name: after
        run: echo "flaky ran $(wc -l < tries) times"
`)
      .get('steps')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'success', out);
    assert.equal(result.attempts, 1);
    assert.deepEqual(
      result.steps.map((s) => [s.name, s.status, s.attempts]),
      [
        ['flaky', 'success', 2],
        ['after', 'success', 1],
      ],
    );
    assert.match(
      out,
      /── flaky \[[^\]]+\]\n {3}try 1\n── flaky \[[^\]]+\] \(attempt 2\)\n {3}try 2\n✔ flaky after 2 attempts/,
    );
    assert.match(out, /flaky ran 2 times/);
  });
});
