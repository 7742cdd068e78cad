import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { BuildFailure } from '../runner/builder/index.js';
import { build, busyboxDataDir, makeContext } from './build-helpers.js';
import { tempDir } from './helpers/tmp.js';

let dataDir: string;
before(async () => {
  dataDir = await busyboxDataDir();
});

async function fails(files: Record<string, string>, pattern: RegExp): Promise<BuildFailure> {
  const contextDir = await makeContext(files);
  const err = await build({ contextDir, dataDir }).then(
    () => assert.fail('the build should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BuildFailure, `expected a BuildFailure, got ${String(err)}`);
  assert.match(err.message, pattern);
  return err;
}

test('a syntax error names the Dockerfile line', async () => {
  await fails({ Dockerfile: 'FROM busybox:latest\nRUN true\nCOPY\n' }, /Dockerfile:3: /);
  await fails({ Dockerfile: 'FROM busybox:latest\nFOO bar\n' }, /Dockerfile:2: .*FOO/i);
});

test('COPY of ../x is refused', async () => {
  const err = await fails(
    { Dockerfile: 'FROM busybox:latest\nCOPY ../x /x\n' },
    /Dockerfile:2: COPY \.\.\/x \/x: .*outside the build context/,
  );
  assert.equal(err.location, 'Dockerfile:2');
});

test('one wildcard matching several files to a path without / is refused, naming the source', async () => {
  await fails(
    { Dockerfile: 'FROM busybox:latest\nCOPY *.txt /one\n', 'a.txt': 'a', 'b.txt': 'b' },
    /Dockerfile:2: .*"\*\.txt" matches several files: the destination "\/one" must be a directory and end with a \//,
  );
});

test('a Dockerfile symlink leading out of its directory is refused unread', async () => {
  const contextDir = await makeContext({});
  await symlink('/dev/zero', join(contextDir, 'Dockerfile'));
  await assert.rejects(
    build({ contextDir, dataDir }),
    /the Dockerfile \S+: symlink "Dockerfile" points outside the build context \(to \/dev\/zero\)/,
  );
});

test('a symlink in the context pointing outside it is refused', async () => {
  const contextDir = await makeContext({ Dockerfile: 'FROM busybox:latest\nCOPY link/passwd /p\n' });
  await symlink('/etc', join(contextDir, 'link'));
  await assert.rejects(build({ contextDir, dataDir }), /symlink "link" points outside the build context/);
});

test('an unknown stage is an error naming the line', async () => {
  await fails(
    { Dockerfile: 'FROM busybox:latest AS base\nFROM busybox:latest\nCOPY --from=bsae /x /x\n' },
    /Dockerfile:3: .*unknown stage "bsae"/,
  );
  const contextDir = await makeContext({ Dockerfile: 'FROM busybox:latest AS a\n' });
  await assert.rejects(
    build({ contextDir, dataDir, target: 'nope' }),
    /target stage "nope" could not be found/,
  );
});

test('--mount=type=cache,id=../.. is refused', async () => {
  await fails(
    { Dockerfile: 'FROM busybox:latest\nRUN --mount=type=cache,id=../..,target=/c touch /c/x\n' },
    /Dockerfile:2: .*must not contain "\.\." path segments/,
  );
});

test('a --chmod that is not an octal mode from 0 to 7777 is refused naming the line', async () => {
  for (const bad of ['8', '17777', 'u+x', '-1'])
    await fails(
      { Dockerfile: `FROM busybox:latest\nCOPY --chmod=${bad} Dockerfile /d\n` },
      new RegExp(`Dockerfile:2: .*--chmod=${bad.replace('+', '\\+')}: expected an octal mode from 0 to 7777`),
    );
});

test('a failing RUN shows the command, its exit code and the output tail', async () => {
  const lines = Array.from({ length: 30 }, (_, i) => `echo line-${i}`).join('; ');
  const err = await fails(
    { Dockerfile: `FROM busybox:latest\nRUN ${lines}; exit 7\n` },
    /Dockerfile:2: RUN echo line-0.*failed: exit code 7\n(.|\n)*line-29/,
  );
  assert.equal(err.exitCode, 7);
  assert.equal(err.outputTail.at(-1), 'line-29');
  assert.ok(!err.outputTail.includes('line-0'), 'only the tail is kept');
});

test('nothing is written outside the build directories, even through hostile symlinks in the image', async () => {
  const sentinel = await tempDir('build-sentinel');
  await writeFile(join(sentinel, 'keep'), 'untouched');
  const contextDir = await makeContext({
    Dockerfile: `FROM busybox:latest
RUN ln -s ${sentinel} /escape && ln -s ../../../../../../../../${sentinel.slice(1)} /escape-rel
COPY f.txt /escape/
COPY f.txt /escape-rel/g.txt
WORKDIR /escape/wd
RUN --mount=type=cache,target=/escape/cache touch /escape/cache/x
`,
    'f.txt': 'payload',
  });
  await mkdir(join(dataDir, 'probe'), { recursive: true });
  const r = await build({ contextDir, dataDir });
  assert.match(r.manifestDigest, /^sha256:/);
  assert.deepEqual(await readdir(sentinel), ['keep']);
  const top = (await readdir(dataDir)).sort();
  for (const d of top)
    assert.ok(
      ['build', 'build-cache', 'build-cache-mounts', 'images', 'probe', 'runtime'].includes(d),
      `unexpected ${d} in the data dir`,
    );
  assert.deepEqual(await readdir(join(dataDir, 'build')), [], 'the build scratch dir is removed');
});

test('an error quoting a long instruction quotes it once, cut to 200 characters; a 1.5 MB one is refused unquoted', async () => {
  // Under the 128 KiB instruction limit, but far longer than an error should quote.
  const long = `: ${'x'.repeat(120_000)}`;
  for (const [dockerfile, where] of [
    [`FROM busybox:latest\nRUN ${long}; exit 3\n`, /^Dockerfile:2: RUN : x{194}… \(\d+ characters\)/],
    [`FROM busybox:latest\nENV A=\${B:${'y'.repeat(120_000)}\n`, /^Dockerfile:2: /],
    [
      `FROM busybox:latest\nRUN echo ${'x'.repeat(1_500_000)}\n`,
      /^Dockerfile:2: the instruction is \d+ bytes long; the limit is 128 KiB/,
    ],
  ] as const) {
    const err = await fails({ Dockerfile: dockerfile }, where);
    const text = `${err.message}\n${JSON.stringify(err.context)}\n${err.instruction ?? ''}`;
    assert.ok(text.length < 5000, `the error is ${text.length} characters long`);
    assert.ok((err.message.match(/x{150}|y{150}/g) ?? []).length <= 1, err.message.slice(0, 2000));
  }
});
