import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../../test/helpers/tmp.js';
import { hashFiles, resolveCacheKey } from './hash-files.js';

describe('cache keys from hashFiles', () => {
  it('changes when a matched file changes and not when an unmatched one does', async () => {
    const ws = await tempDir();
    await writeFile(join(ws, 'package-lock.json'), '{"v":1}');
    await writeFile(join(ws, 'README.md'), 'a');
    const k1 = await resolveCacheKey('npm-{{ hashFiles "package-lock.json" }}', ws);
    await writeFile(join(ws, 'README.md'), 'b');
    assert.equal(await resolveCacheKey('npm-{{ hashFiles "package-lock.json" }}', ws), k1);
    await writeFile(join(ws, 'package-lock.json'), '{"v":2}');
    const k2 = await resolveCacheKey('npm-{{ hashFiles "package-lock.json" }}', ws);
    assert.notEqual(k2, k1);
    assert.match(k2, /^npm-[0-9a-f]{16}$/);
  });

  it('takes several patterns and globs, and ignores symlinks pointing outside', async () => {
    const ws = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.lock'), 'x');
    await mkdir(join(ws, 'a'));
    await writeFile(join(ws, 'a', 'x.lock'), '1');
    const before = await hashFiles(ws, ['**/*.lock']);
    await symlink(join(outside, 'secret.lock'), join(ws, 'evil.lock'));
    assert.equal(await hashFiles(ws, ['**/*.lock', '../**/*.lock']), before);
  });
});
