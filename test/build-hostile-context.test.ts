import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { busyboxDataDir, makeContext, slipwayCli } from './build-helpers.js';
import { requireBinary } from './helpers/requirements.js';
import { dataDirLeftovers } from './helpers/runtime-leftovers.js';
import { spawnSlipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

/**
 * A build context (or a workspace a step wrote) is untrusted: a FIFO or a symlink where the
 * builder reads a file must fail the build at once with a clear error, never block the runner;
 * a build is bounded by its job's timeout, and SIGTERM ends `slipway exec` within 5 s.
 */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

async function repoWith(pipeline: string): Promise<string> {
  const repo = await tempDir('hostile-repo');
  await writeFile(join(repo, '.slipway.yml'), pipeline);
  return repo;
}

describe('hostile build contexts and hung builds', () => {
  let dataDir: string;
  before(async () => {
    requireBinary('ip', 'iproute2');
    requireBinary('mkfifo', 'coreutils');
    dataDir = await busyboxDataDir();
  });

  it('slipway build: a FIFO named Dockerfile or .dockerignore fails fast, naming it', async () => {
    const fifoDockerfile = await makeContext({});
    mkfifo(join(fifoDockerfile, 'Dockerfile'));
    const fifoIgnore = await makeContext({ Dockerfile: 'FROM busybox:latest\nRUN true\n' });
    mkfifo(join(fifoIgnore, '.dockerignore'));
    for (const [ctx, pattern] of [
      [fifoDockerfile, /the Dockerfile \(\S+\/Dockerfile\) is a FIFO, not a regular file/],
      [fifoIgnore, /\.dockerignore \(\S+\/\.dockerignore\) is a FIFO, not a regular file/],
    ] as const) {
      const r = await within(
        15_000,
        slipwayCli(['build', '--data-dir', dataDir, '--network', 'none', ctx]),
        'build',
      );
      assert.notEqual(r.code, 0, r.out + r.err);
      assert.match(r.out + r.err, pattern);
    }
  });

  it('slipway build: .dockerignore -> /dev/zero is refused as a symlink without reading it', async () => {
    const ctx = await makeContext({ Dockerfile: 'FROM busybox:latest\n' });
    await symlink('/dev/zero', join(ctx, '.dockerignore'));
    const r = await within(
      15_000,
      slipwayCli(['build', '--data-dir', dataDir, '--network', 'none', ctx]),
      'build',
    );
    assert.notEqual(r.code, 0, r.out + r.err);
    assert.match(r.out + r.err, /\.dockerignore \(\S+\) is a symlink, not a regular file/);
    assert.doesNotMatch(r.out + r.err, /Invalid string length/);
  });

  it('a pipeline build job whose step turned Dockerfile into a FIFO fails fast, the run exits', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  image:
    steps:
      - run: rm -f Dockerfile && mkfifo Dockerfile
    build:
      context: .
      tags: [hostile.test/fifo:1]
`);
    await writeFile(join(repo, 'Dockerfile'), 'FROM busybox:latest\n');
    const p = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    const { code } = await within(30_000, p.exited, 'slipway exec');
    assert.equal(code, 1, p.output());
    assert.match(p.output(), /the Dockerfile \(\S+\) is a FIFO, not a regular file/);
    assert.match(p.output(), /✖ job image failed/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });

  it('a build that runs past the job timeout is stopped by it and reported as timed out', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  image:
    timeout: 15s
    build:
      context: .
`);
    // 15 s: the job's setup and the build's first steps fit in it even on a busy machine.
    await writeFile(join(repo, 'Dockerfile'), 'FROM busybox:latest\nRUN echo building && sleep 1000\n');
    const p = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    const started = await p.waitFor(/^ {3}building$/m, 30_000);
    const { code, at } = await within(30_000, p.exited, 'slipway exec');
    const out = p.output();
    assert.equal(code, 1, out);
    assert.ok(at - started < 18_000, `exited ${at - started} ms after the build's RUN started`);
    assert.match(out, /✖ job image timed out after 15s/);
    assert.doesNotMatch(out, /job image cancelled/);
    assert.deepEqual(await dataDirLeftovers(dataDir), []);
  });

  it('SIGTERM to slipway exec stuck in a build ends it within 5 s', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  image:
    steps:
      - run: printf 'FROM busybox:latest\\nRUN echo building && sleep 1000\\n' > Dockerfile
    build:
      context: .
`);
    const p = spawnSlipway(['exec', repo, '--data-dir', dataDir]);
    await p.waitFor(/^ {3}building$/m, 30_000);
    const sent = Date.now();
    p.child.kill('SIGTERM');
    const { code, at } = await within(15_000, p.exited, 'slipway exec after SIGTERM');
    assert.ok(at - sent < 5000, `exited ${at - sent} ms after SIGTERM`);
    assert.equal(code, 130, p.output());
    assert.match(p.output(), /SIGTERM: cancelling the run/);
  });
});
