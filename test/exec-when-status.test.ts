import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useExecutorFixture } from './helpers/executor-fixture.js';

const steps = (first: string) => `
    steps:
      - name: first
        run: ${first}
      - name: normal
        run: echo normal step ran
      - name: on failure
        when: { status: [failure] }
        run: echo failure handler ran
      - name: always
        when: { status: always }
        run: echo always step ran
`;

describe('step when.status is decided at run time', () => {
  const f = useExecutorFixture();

  it('after a failed step: default steps are left out, failure and always steps run', async () => {
    const spec = f.plan(`image: busybox:latest\njobs:\n  fails:${steps('exit 3')}`).get('fails')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'failure', out);
    assert.deepEqual(
      result.steps.map((s) => [s.name, s.status]),
      [
        ['first', 'failure'],
        ['normal', 'skipped'],
        ['on failure', 'success'],
        ['always', 'success'],
      ],
    );
    assert.equal(result.steps[0]?.exitCode, 3);
    assert.match(out, /── normal: skipped/);
    assert.doesNotMatch(out, /normal step ran/);
    assert.match(out, /failure handler ran/);
    assert.match(out, /always step ran/);
  });

  it('when nothing failed: the failure step is left out, the always step runs', async () => {
    const spec = f.plan(`image: busybox:latest\njobs:\n  passes:${steps('echo fine')}`).get('passes')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'success', out);
    assert.deepEqual(
      result.steps.map((s) => [s.name, s.status]),
      [
        ['first', 'success'],
        ['normal', 'success'],
        ['on failure', 'skipped'],
        ['always', 'success'],
      ],
    );
    assert.match(out, /normal step ran/);
    assert.doesNotMatch(out, /failure handler ran/);
    assert.match(out, /always step ran/);
  });
});
