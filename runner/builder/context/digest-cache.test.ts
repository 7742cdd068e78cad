import assert from 'node:assert/strict';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/tmp.js';
import { type CopyAttributes, hashSources } from './content-hash.js';
import { FileDigestCache } from './digest-cache.js';
import { ignoreMatcher } from './ignore.js';
import { resolveSources } from './sources.js';
import type { ContextEntry } from './walk.js';

const root: CopyAttributes = { uid: 0, gid: 0, chmod: undefined };
const none = ignoreMatcher('');

/** The context's `app` dir resolved for `COPY app /app`, its entries aged by `ageMs` (as if last changed then). */
async function sourcesOf(ctx: string, ageMs: number) {
  const resolved = await resolveSources(ctx, none, ['app'], '/app', '/');
  for (const s of resolved)
    for (const e of s.entries as Array<ContextEntry>) {
      e.mtimeMs -= ageMs;
      e.ctimeMs -= ageMs;
    }
  return resolved;
}

async function context() {
  const ctx = await tempDir('digest-ctx');
  await writeFile(join(ctx, 'Dockerfile'), 'FROM scratch\n');
  await mkdir(join(ctx, 'app'));
  await writeFile(join(ctx, 'app/a.txt'), 'alpha');
  await writeFile(join(ctx, 'app/b.txt'), 'bravo');
  // Whole seconds, so a test can put an mtime back exactly.
  const whole = Math.floor(Date.now() / 1000) - 100;
  for (const f of ['app/a.txt', 'app/b.txt']) await utimes(join(ctx, f), whole, whole);
  return ctx;
}

test('a remembered digest stands in for reading a file only while inode, size, mtime and ctime are unchanged', async () => {
  const ctx = await context();
  const data = await tempDir('digest-data');
  const first = FileDigestCache.open(data, ctx);
  const old = await sourcesOf(ctx, 60_000);
  const expected = await hashSources(ctx, old, root, first);
  assert.equal(await hashSources(ctx, old, root), expected, 'the cache does not change the hash');
  first.save();
  assert.equal((await readdir(join(data, 'build-cache', 'file-digests'))).length, 1);

  // Unchanged stat data: the digests come from the cache, so a file gone from disk is not read.
  await rm(join(ctx, 'app/b.txt'));
  assert.equal(await hashSources(ctx, old, root, FileDigestCache.open(data, ctx)), expected);

  // Rewritten in place with the same size and its mtime put back: only ctime tells, and it is
  // enough — the new content is read, as hashing without a cache does.
  const a = old[0]?.entries.find((e) => e.rel === 'app/a.txt') as ContextEntry;
  const mtime = (a.mtimeMs + 60_000) / 1000;
  await writeFile(join(ctx, 'app/a.txt'), 'ALPHA');
  await utimes(join(ctx, 'app/a.txt'), mtime, mtime);
  const rewritten = await sourcesOf(ctx, 60_000);
  const now = rewritten[0]?.entries.find((e) => e.rel === 'app/a.txt') as ContextEntry;
  assert.deepEqual([now.ino, now.size, now.mtimeMs], [a.ino, a.size, a.mtimeMs], 'only ctime differs');
  assert.equal(
    await hashSources(ctx, rewritten, root, FileDigestCache.open(data, ctx)),
    await hashSources(ctx, rewritten, root),
  );
});

test('a file changed just before it was hashed is read again next time; a corrupt cache file is an empty cache', async () => {
  const ctx = await context();
  const data = await tempDir('digest-data');
  const fresh = await sourcesOf(ctx, 0);
  const cache = FileDigestCache.open(data, ctx);
  const expected = await hashSources(ctx, fresh, root, cache);
  cache.save();
  await rm(join(ctx, 'app/b.txt'));
  // b.txt was written moments before it was hashed: its remembered digest is not trusted.
  await assert.rejects(hashSources(ctx, fresh, root, FileDigestCache.open(data, ctx)), /ENOENT/);
  await writeFile(join(ctx, 'app/b.txt'), 'bravo');

  const [file] = await readdir(join(data, 'build-cache', 'file-digests'));
  await writeFile(
    join(data, 'build-cache', 'file-digests', file as string),
    '{"version":1,"files":{"app/a.txt":[1]}}',
  );
  assert.equal(
    await hashSources(ctx, await sourcesOf(ctx, 0), root, FileDigestCache.open(data, ctx)),
    expected,
  );
});
