import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SlipwayError } from '../lib/errors.js';
import { mirrorCommit } from '../lib/git.js';
import { borrowFromMirror } from '../runner/executor/git-borrow.js';
import { containerMade } from './helpers/container-made.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { git, mirroredGitRepo, testGitRepo } from './helpers/git-repo.js';
import { tempDir } from './helpers/tmp.js';

// A runner checks a job's commit out of its mirror without fetching: the workspace borrows the
// mirror's objects, read-only, and must still look like a depth-1 clone of the commit.

const ORIGIN = 'https://***@forge.example/acme/app.git';

describe('a job workspace from the runner mirror', () => {
  const f = useExecutorFixture();

  it('is the commit, shallow, with the mirror objects visible and read-only in the step', async () => {
    const repo = await testGitRepo({ 'version.txt': 'one\n' });
    await repo.commit({ 'version.txt': 'two\n' });
    const mirror = await mirrorCommit(join(await tempDir('mirror'), 'app.git'), repo.dir, repo.sha);
    const spec = f
      .plan(`image: busybox:latest
jobs:
  show:
    steps:
      - run: |
          echo "version $(cat version.txt)"
          echo "shallow at $(cat .git/shallow)"
          alt=$(cat .git/objects/info/alternates)
          [ -d "$alt/info" ] && echo objects-visible
          if touch "$alt/planted" 2>/dev/null; then echo mirror-writable; exit 1; fi
          echo mirror-read-only
          grep 'url = ' .git/config
`)
      .get('show')!;
    const { result, out } = await f.run(spec, { kind: 'mirror', mirror, commit: repo.sha, origin: ORIGIN });
    assert.equal(result.status, 'success', out);
    assert.match(out, /version one\n/);
    assert.match(out, new RegExp(`shallow at ${repo.sha}`));
    assert.match(out, /objects-visible\n[\s\S]*mirror-read-only/);
    assert.ok(out.includes(`url = ${ORIGIN}`), out);
    assert.equal(git(mirror, 'cat-file', '-t', repo.sha), 'commit', 'the mirror is intact');
  });

  it("makes the first step's container while the commit is fetched; a failed fetch runs no step", async () => {
    const { repo, mirror } = await mirroredGitRepo({ 'version.txt': 'one\n' });
    const spec = f
      .plan(
        'image: busybox:latest\njobs:\n  show:\n    steps:\n      - run: echo "version $(cat version.txt)"\n',
      )
      .get('show')!;
    const source = { kind: 'mirror' as const, mirror, commit: repo.sha, origin: ORIGIN };
    const ok = await f.run(spec, { ...source, fetched: containerMade(f.dataDir) });
    assert.equal(ok.result.status, 'success', ok.out);
    assert.match(ok.out, /version one\n/);
    const failed = containerMade(f.dataDir).then(() => {
      throw new SlipwayError(`could not fetch commit ${repo.sha} from ${ORIGIN}: unreachable`, {
        category: 'temporary',
      });
    });
    const bad = await f.run(spec, { ...source, fetched: failed });
    assert.equal(bad.result.status, 'failure', bad.out);
    assert.equal(bad.result.error?.category, 'temporary');
    assert.match(bad.result.error?.message ?? '', /could not fetch commit .* unreachable/);
    assert.deepEqual(bad.result.steps, []);
    assert.doesNotMatch(bad.out, /version one/);
  });

  it('shows one commit and a clean tree to git, and stands alone once made self-contained', async () => {
    const repo = await testGitRepo({ 'a.txt': 'one\n', 'dir/b.txt': 'two\n' });
    const second = await repo.commit({ 'a.txt': 'changed\n' });
    const mirror = await mirrorCommit(join(await tempDir('mirror'), 'app.git'), repo.dir, second);
    const dest = await tempDir('borrowed');
    const ws = await borrowFromMirror(mirror, second, dest, ORIGIN);
    assert.deepEqual(ws.mounts, [
      { type: 'bind', source: join(mirror, 'objects'), target: join(mirror, 'objects'), readonly: true },
    ]);
    assert.equal(git(dest, 'log', '--format=%H'), second);
    assert.equal(git(dest, 'status', '--porcelain'), '');
    assert.equal(git(dest, 'rev-parse', '--is-shallow-repository'), 'true');
    await ws.selfContained();
    await rm(mirror, { recursive: true, force: true });
    assert.equal(git(dest, 'log', '--format=%H'), second);
    assert.equal(git(dest, 'status', '--porcelain'), '');
    assert.equal(git(dest, 'show', 'HEAD:dir/b.txt'), 'two');
  });

  it('names the repository and commit when the mirror lacks it', async () => {
    const repo = await testGitRepo({ 'a.txt': 'one\n' });
    const mirror = await mirrorCommit(join(await tempDir('mirror'), 'app.git'), repo.dir, repo.sha);
    const missing = 'c'.repeat(40);
    await assert.rejects(
      borrowFromMirror(mirror, missing, await tempDir('borrowed'), ORIGIN),
      (err: Error & { category?: string }) => {
        assert.equal(
          err.message,
          `could not check out commit ${missing} of ${ORIGIN}: no such commit in the repository`,
        );
        assert.equal(err.category, 'permanent');
        return true;
      },
    );
  });
});
