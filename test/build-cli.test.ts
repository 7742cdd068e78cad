import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { busyboxDataDir, makeContext, slipwayCli } from './build-helpers.js';

const slipway = slipwayCli;

describe('slipway build and the built image in a pipeline', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await busyboxDataDir();
  });

  it('prints docker-build-like progress, CACHED on a rebuild, and the digest last', async () => {
    const ctx = await makeContext({
      Dockerfile:
        'FROM busybox:latest\nARG WHO=world\nRUN echo "hello $WHO" > /greeting && cat /greeting\nCOPY note.txt /note.txt\n',
      'note.txt': 'note',
    });
    const args = [
      'build',
      '--data-dir',
      dataDir,
      '--network',
      'none',
      '-t',
      'cli.test/app:1',
      '--build-arg',
      'WHO=cli',
      ctx,
    ];
    const first = await slipway(args);
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /^Step 1\/4 : FROM busybox:latest$/m);
    assert.match(
      first.out,
      /^Step 3\/4 : RUN echo "hello \$WHO" > \/greeting && cat \/greeting\n ---> Running in \S+\nhello cli\n ---> done in \d+\.\d\ds$/m,
    );
    assert.match(first.out, /Successfully tagged cli\.test\/app:1/);
    const digest = first.out.trim().split('\n').at(-1);
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
    const again = await slipway(args);
    assert.equal(again.code, 0, again.out + again.err);
    assert.match(again.out, /^Step 3\/4 : RUN [^\n]*\n ---> CACHED$/m);
    assert.match(again.out, /\(0 of 4 steps run\)/);
    assert.equal(again.out.trim().split('\n').at(-1), digest);
  });

  it('exits 1 naming the failing instruction, its exit code and the output tail', async () => {
    const ctx = await makeContext({
      Dockerfile: 'FROM busybox:latest\nRUN echo compiling; echo "fatal: bad thing" >&2; exit 42\n',
    });
    const r = await slipway(['build', '--data-dir', dataDir, '--network', 'none', ctx]);
    assert.equal(r.code, 1);
    assert.match(r.err, /error: Dockerfile:2: RUN echo compiling; [^\n]* failed: exit code 42\n/);
    // the tail holds both streams (their relative order is not defined)
    assert.match(r.err, /^compiling$/m);
    assert.match(r.err, /^fatal: bad thing$/m);
    assert.match(r.err, /the instruction exited with code 42/);
  });

  it('a pipeline job builds an image that a later job runs from the local store', async () => {
    const repo = await makeContext({
      Dockerfile:
        'FROM busybox:latest AS base\nRUN echo "base stage ran"\nFROM base\nARG GREETING\nRUN echo "$GREETING from the built image" | tee /greeting\n',
      '.slipway.yml': `jobs:
  image:
    build:
      context: .
      dockerfile: Dockerfile
      args:
        GREETING: hi
      tags: [local.invalid/app:built]
  use:
    needs: image
    image: local.invalid/app:built
    steps:
      - name: show
        run: cat /greeting
`,
    });
    const r = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.out + r.err);
    // BuildKit-style headers: the stage's name (or stage-<index>) and the number within the stage,
    // each followed by that RUN's own output
    assert.match(r.out, /\[base 1\/2\] FROM busybox:latest AS base/);
    assert.match(r.out, /\[base 2\/2\] RUN echo "base stage ran"\n\s*base stage ran\n/);
    assert.match(r.out, /\[stage-1 1\/3\] FROM base/);
    assert.match(
      r.out,
      /\[stage-1 3\/3\] RUN echo "\$GREETING from the built image" \| tee \/greeting\n\s*hi from the built image\n/,
    );
    assert.match(r.out, /built sha256:[0-9a-f]{64}/);
    assert.match(r.out, /hi from the built image/);
  });
});
