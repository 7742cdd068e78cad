import assert from 'node:assert/strict';
import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/tmp.js';
import { type CopyAttributes, hashSources } from './content-hash.js';
import { ignoreMatcher } from './ignore.js';
import { resolveSources } from './sources.js';

async function makeContext() {
  const dir = await tempDir('ctx');
  await mkdir(join(dir, 'src/sub'), { recursive: true });
  await writeFile(join(dir, 'a.txt'), 'a');
  await writeFile(join(dir, 'b.txt'), 'b');
  await writeFile(join(dir, 'debug.log'), 'log');
  await writeFile(join(dir, 'keep.log'), 'keep');
  await writeFile(join(dir, 'src/main.c'), 'int main;');
  await writeFile(join(dir, 'src/sub/x'), 'x');
  await symlink('../a.txt', join(dir, 'src/link-in'));
  await symlink('/etc/passwd', join(dir, 'escape-abs'));
  await symlink('../../..', join(dir, 'escape-rel'));
  await link(join(dir, 'a.txt'), join(dir, 'src/hard'));
  await writeFile(join(dir, '.dockerignore'), '*.log\n!keep.log\nsrc/sub\n');
  return dir;
}

const ign = ignoreMatcher('*.log\n!keep.log\nsrc/sub\n');

test('file, directory and wildcard sources with Docker destination rules', async () => {
  const ctx = await makeContext();
  const [f] = await resolveSources(ctx, ign, ['a.txt'], '/dst/', '/');
  assert.deepEqual([f!.target, f!.isDir, f!.destMayBeDir], ['/dst/a.txt', false, false]);
  const [g] = await resolveSources(ctx, ign, ['/a.txt'], 'renamed', '/work');
  assert.deepEqual([g!.rel, g!.target, g!.destMayBeDir], ['a.txt', '/work/renamed', true]);
  const [d] = await resolveSources(ctx, ign, ['src'], '/app', '/');
  assert.equal(d!.isDir, true);
  assert.deepEqual(
    d!.entries.map((e) => e.rel),
    ['src/hard', 'src/link-in', 'src/main.c'],
  );
  assert.equal(d!.entries.find((e) => e.rel === 'src/link-in')?.linkTarget, '../a.txt');
  const w = await resolveSources(ctx, ign, ['*.txt', '*.log'], '/d/', '/');
  assert.deepEqual(
    w.map((s) => s.rel),
    ['a.txt', 'b.txt', 'keep.log'],
  );
});

test('refused: several sources to a non-directory, missing or ignored files', async () => {
  const ctx = await makeContext();
  await assert.rejects(
    resolveSources(ctx, ign, ['a.txt', 'b.txt'], '/file', '/'),
    /must be a directory and end with a \//,
  );
  await assert.rejects(
    resolveSources(ctx, ign, ['debug.log'], '/x', '/'),
    /not found in build context or excluded by \.dockerignore/,
  );
  await assert.rejects(resolveSources(ctx, ign, ['src/sub/x'], '/x', '/'), /excluded by \.dockerignore/);
  await assert.rejects(resolveSources(ctx, ign, ['nope'], '/x', '/'), /not found in build context/);
});

test('wildcards matching nothing copy nothing; symlinked sources are followed under their own name', async () => {
  const ctx = await makeContext();
  assert.deepEqual(await resolveSources(ctx, ign, ['*.none'], '/x/', '/'), []);
  assert.deepEqual(
    (await resolveSources(ctx, ign, ['a.txt', '*.none'], '/x/', '/')).map((s) => s.target),
    ['/x/a.txt'],
  );
  for (const source of ['src/link-in', 'src/link*']) {
    const [s] = await resolveSources(ctx, ign, [source], '/d/', '/');
    assert.deepEqual([s!.rel, s!.name, s!.target, s!.root?.type], ['a.txt', 'link-in', '/d/link-in', 'file']);
  }
  // Followed or not, a wildcard never reaches a file .dockerignore hides.
  await symlink('debug.log', join(ctx, 'to-ignored'));
  await assert.rejects(resolveSources(ctx, ign, ['to-ig*'], '/d/', '/'), /excluded by \.dockerignore/);
  // One wildcard matching several files to a path without `/`: only archives may (ADD extracts them).
  const several = await resolveSources(ctx, ign, ['*.txt'], '/one', '/');
  assert.deepEqual(
    several.map((s) => [s.target, s.severalToOnePath]),
    [
      ['/one', true],
      ['/one', true],
    ],
  );
  assert.equal((await resolveSources(ctx, ign, ['a.*'], '/one', '/'))[0]!.severalToOnePath, false);
});

test('in an image root (COPY --from) symlinks resolve as in a chroot', async () => {
  const root = await makeContext();
  await symlink('/src', join(root, 'abs-src'));
  const rels = async (source: string) =>
    (await resolveSources(root, () => false, [source], '/x', '/', 'image')).map((s) => s.rel);
  assert.deepEqual(await rels('abs-src/main.c'), ['src/main.c']);
  assert.deepEqual(await rels('escape-rel/src/main.c'), ['src/main.c']);
  // /etc/passwd of the root, which has none: never the host's.
  await assert.rejects(rels('escape-abs'), /"escape-abs" not found/);
});

test('bad input: ../x and symlinks pointing outside the context are refused', async () => {
  const ctx = await makeContext();
  await assert.rejects(resolveSources(ctx, ign, ['../x'], '/x', '/'), /outside the build context/);
  await assert.rejects(resolveSources(ctx, ign, ['src/../../x'], '/x', '/'), /outside the build context/);
  await assert.rejects(
    resolveSources(ctx, ign, ['escape-abs'], '/x', '/'),
    /symlink "escape-abs" points outside the build context/,
  );
  await assert.rejects(
    resolveSources(ctx, ign, ['escape-rel/etc/passwd'], '/x', '/'),
    /points outside the build context/,
  );
  // A link that stays inside is followed for a named source.
  const [s] = await resolveSources(ctx, ign, ['src/link-in'], '/x', '/');
  assert.equal(s!.rel, 'a.txt');
});

test('content hash: stable, ignores mtime, sees content, mode, owner, link target and destination', async () => {
  const ctx = await makeContext();
  const attrs: CopyAttributes = { uid: 0, gid: 0, chmod: undefined };
  const hash = async (a = attrs, dest = '/app') =>
    hashSources(ctx, await resolveSources(ctx, ign, ['src'], dest, '/'), a);
  const h0 = await hash();
  assert.match(h0, /^sha256:[0-9a-f]{64}$/);
  await writeFile(join(ctx, 'src/main.c'), 'int main;'); // same content, new mtime
  assert.equal(await hash(), h0);
  assert.notEqual(await hash({ uid: 1000, gid: 1000, chmod: undefined }), h0);
  assert.notEqual(await hash({ uid: 0, gid: 0, chmod: 0o700 }), h0);
  assert.notEqual(await hash(attrs, '/other'), h0);
  await chmod(join(ctx, 'src/main.c'), 0o600);
  const h1 = await hash();
  assert.notEqual(h1, h0);
  await writeFile(join(ctx, 'src/sub/x'), 'changed but ignored');
  assert.equal(await hash(), h1);
  await writeFile(join(ctx, 'src/main.c'), 'int main2;');
  assert.notEqual(await hash(), h1);
});
