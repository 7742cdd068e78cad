import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { busyboxDataDir, makeContext, printedDigest, readStoredImage, slipwayCli } from './build-helpers.js';
import { listTar } from './helpers/tree-listing.js';

// `slipway build` flags end to end: -f, --target, --no-cache, --secret.

let dataDir: string;
before(async () => {
  dataDir = await busyboxDataDir();
});

const build = (args: string[], env?: Record<string, string>) =>
  slipwayCli(['build', '--data-dir', dataDir, '--network', 'none', ...args], env);

test('-f takes a Dockerfile from outside the context; COPY still reads the context', async () => {
  const context = await makeContext({
    Dockerfile: 'FROM busybox:latest\nRUN echo "the context Dockerfile ran"\n',
    'app.txt': 'application',
  });
  const elsewhere = await makeContext({
    'ci/Dockerfile.release': 'FROM busybox:latest\nRUN echo "the -f Dockerfile ran"\nCOPY app.txt /app.txt\n',
  });
  const r = await build(['-f', join(elsewhere, 'ci/Dockerfile.release'), context]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^the -f Dockerfile ran$/m);
  assert.doesNotMatch(r.out, /the context Dockerfile ran/);
  const image = await readStoredImage(dataDir, printedDigest(r.out));
  const copied = (await listTar(Readable.from(image.layerTars.at(-1)!))).get('/app.txt');
  assert.equal(copied?.sha256, createHash('sha256').update('application').digest('hex'));
});

test('--target builds only the stages the named stage needs', async () => {
  const context = await makeContext({
    Dockerfile: `FROM busybox:latest AS deps
RUN echo "ran deps"
FROM busybox:latest AS unrelated
RUN echo "ran unrelated"
FROM deps AS test
RUN echo "ran test"
FROM deps AS release
RUN echo "ran release"
`,
  });
  const r = await build(['--target', 'test', context]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ran deps$/m);
  assert.match(r.out, /^Step 4\/4 : RUN echo "ran test"\n ---> Running in \S+\nran test$/m);
  assert.doesNotMatch(r.out, /ran unrelated|ran release/);
});

test('--no-cache runs every instruction again (and, with SOURCE_DATE_EPOCH, gives the same image)', async () => {
  const context = await makeContext({
    Dockerfile:
      'FROM busybox:latest\nENV MODE=ci\nRUN echo "compiling in $MODE" && echo out > /out\nWORKDIR /srv\n',
  });
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const first = await build([context], env);
  assert.equal(first.code, 0, first.out + first.err);
  const cached = await build([context], env);
  assert.match(cached.out, /\(0 of 4 steps run\)/);
  assert.doesNotMatch(cached.out, /compiling in ci/);
  const fresh = await build(['--no-cache', context], env);
  assert.equal(fresh.code, 0, fresh.out + fresh.err);
  assert.doesNotMatch(fresh.out, /CACHED/);
  assert.match(fresh.out, /^Step 3\/4 : RUN [^\n]*\n ---> Running in \S+\ncompiling in ci$/m);
  assert.match(fresh.out, /\(3 of 4 steps run\)/);
  assert.equal(printedDigest(fresh.out), printedDigest(first.out));
});

test('--secret id=…,src=… reaches RUN --mount=type=secret', async () => {
  const secrets = await makeContext({ 'token.txt': 'hunter2' });
  const context = await makeContext({
    Dockerfile:
      'FROM busybox:latest\nRUN --mount=type=secret,id=api_token,required=true echo "got $(cat /run/secrets/api_token)"\n',
  });
  const r = await build(['--secret', `id=api_token,src=${join(secrets, 'token.txt')}`, context]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^got hunter2$/m);
});
