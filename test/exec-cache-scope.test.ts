import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobSpec } from '../pipelines/index.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';

describe('job caches are scoped by repository and branch: a pull request cannot poison main', () => {
  const f = useExecutorFixture();

  it("a PR (even from a fork's branch named main) and a branch read main's cache, write only their own", async () => {
    const base = f
      .plan(`image: busybox:latest
jobs:
  cached:
    cache: { key: deps, paths: [.c] }
    steps:
      - run: echo "$WHO saw $(cat .c/v 2>/dev/null || echo nothing)"; echo "$WHO" > .c/v
`)
      .get('cached')!;
    const job = (who: string, repo: Partial<JobSpec['repo']>, url = base.repo.url): JobSpec => ({
      ...base,
      env: { ...base.env, WHO: who },
      repo: { ...base.repo, url, ...repo },
    });
    const saw = async (spec: JobSpec) => {
      const { result, out } = await f.run(spec);
      assert.equal(result.status, 'success', out);
      return { said: /^\s*(\S+ saw \S+)\s*$/m.exec(out)?.[1], out };
    };
    const main = { branch: 'main' };
    const pr = { branch: 'main', pullRequest: 7 };

    assert.equal((await saw(job('main', main))).said, 'main saw nothing');
    const fromPr = await saw(job('attacker', pr));
    assert.equal(fromPr.said, 'attacker saw main', 'a PR restores the default branch cache');
    assert.match(fromPr.out, /cache deps \(restored from branch\/main\)/);
    assert.equal((await saw(job('main', main))).said, 'main saw main', 'main is not poisoned');
    assert.equal((await saw(job('attacker', pr))).said, 'attacker saw attacker', 'the PR keeps its own');
    assert.equal((await saw(job('feature', { branch: 'feature' }))).said, 'feature saw main');
    assert.equal((await saw(job('main', main))).said, 'main saw main');
    // a repository whose default branch is `trunk` falls back to trunk, not main
    const trunk = { defaultBranch: 'trunk' };
    const other = 'https://git.example.com/other/app.git';
    assert.equal((await saw(job('trunk', { ...trunk, branch: 'trunk' }, other))).said, 'trunk saw nothing');
    assert.equal((await saw(job('x', { ...trunk, branch: 'main' }, other))).said, 'x saw trunk');
  });
});
