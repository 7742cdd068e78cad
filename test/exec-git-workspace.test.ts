import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { requireBinary } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

const SECRET = 's3cret-token';

/** A bare repository with two commits of version.txt ("one", then "two"); returns both shas. */
async function twoCommitRepo(): Promise<{ bare: string; first: string; second: string }> {
  const dir = await tempDir('git-src');
  const bare = join(dir, 'repo.git');
  const work = join(dir, 'work');
  const git = (cwd: string, ...args: string[]) =>
    runTool('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd }).then((r) =>
      r.trim(),
    );
  await git(dir, 'init', '-q', '--bare', bare);
  await git(dir, 'init', '-q', '-b', 'main', work);
  await writeFile(join(work, 'version.txt'), 'one\n');
  await git(work, 'add', 'version.txt');
  await git(work, 'commit', '-qm', 'first');
  const first = await git(work, 'rev-parse', 'HEAD');
  await writeFile(join(work, 'version.txt'), 'two\n');
  await writeFile(join(work, 'added-later.txt'), 'later\n');
  await git(work, 'add', '.');
  await git(work, 'commit', '-qm', 'second');
  const second = await git(work, 'rev-parse', 'HEAD');
  await git(work, 'push', '-q', bare, 'main');
  return { bare, first, second };
}

describe('a job workspace from a git commit', () => {
  const f = useExecutorFixture();
  let repo: Awaited<ReturnType<typeof twoCommitRepo>>;
  const job = `image: busybox:latest
jobs:
  show:
    steps:
      - name: show
        run: |
          echo "version $(cat version.txt)"
          ls
          if grep -rq ${SECRET} .; then echo "credentials leaked"; exit 1; fi
`;
  before(async () => {
    requireBinary('git', 'git');
    repo = await twoCommitRepo();
  });

  it('checks out the requested commit, not the branch head, without keeping the credentials', async () => {
    const spec = f.plan(job).get('show')!;
    const url = `file://ci:${SECRET}@localhost${repo.bare}`;
    const { result, out } = await f.run(spec, { kind: 'git', url, commit: repo.first });
    assert.equal(result.status, 'success', out);
    assert.match(out, /version one\n/);
    assert.doesNotMatch(out, /added-later|version two|credentials leaked/);

    const head = await f.run(spec, { kind: 'git', url: repo.bare, commit: repo.second });
    assert.equal(head.result.status, 'success', head.out);
    assert.match(head.out, /version two\n[\s\S]*added-later.txt/);
  });

  it('names the repository and commit when the commit does not exist, without the credentials', async () => {
    const spec = f.plan(job).get('show')!;
    const missing = 'deadbeef'.repeat(5);
    const { result, out } = await f.run(spec, {
      kind: 'git',
      url: `file://ci:${SECRET}@localhost${repo.bare}`,
      commit: missing,
    });
    assert.equal(result.status, 'failure', out);
    assert.equal(
      result.error?.message,
      `could not check out commit ${missing} of file://***@localhost${repo.bare}: no such commit in the repository`,
    );
    assert.deepEqual(result.steps, []);
    assert.doesNotMatch(out, new RegExp(SECRET));
  });

  it('names the repository when it cannot be fetched, without the credentials', async () => {
    const spec = f.plan(job).get('show')!;
    const { result, out } = await f.run(spec, {
      kind: 'git',
      url: `https://ci:${SECRET}@127.0.0.1:1/nothing/here.git`,
      commit: repo.first,
    });
    assert.equal(result.status, 'failure', out);
    assert.match(
      result.error?.message ?? '',
      new RegExp(
        `^could not check out commit ${repo.first} of https://\\*\\*\\*@127\\.0\\.0\\.1:1/nothing/here\\.git: `,
      ),
    );
    assert.doesNotMatch(`${out}\n${result.error?.message}`, new RegExp(SECRET));
  });
});
