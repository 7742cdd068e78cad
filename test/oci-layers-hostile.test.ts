import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { unpackLayerStream } from '../runner/oci/layer/unpack.js';
import { makeLayer, type TarEntry } from './helpers/layer-tar.js';
import { requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Hostile layers: each must leave a sentinel file outside the layer dir untouched and either
 * fail with an error naming the layer digest and the entry, or skip the entry with a warning.
 */
const base = await tempDir('slipway-hostile');

describe('hostile layers', () => {
  const outside = join(base, 'outside');
  const sentinel = join(outside, 'sentinel.txt');
  let n = 0;

  before(async () => {
    requireRoot();
    await mkdir(outside);
    await writeFile(sentinel, 'precious\n');
  });

  /** Unpacks into base/store/x/y/layer-N (so "../../../../outside" reaches the sentinel's dir). */
  async function unpack(entries: TarEntry[]) {
    const dest = join(base, 'store', 'x', 'y', `layer-${n++}`);
    await mkdir(dest, { recursive: true });
    const layer = await makeLayer(entries);
    const before = await stat(sentinel);
    const started = Date.now();
    const run = unpackLayerStream([layer.blob], dest, { digest: layer.digest, diffID: layer.diffID });
    const outcome = await run.then(
      (r) => ({ ok: true as const, result: r }),
      (err: Error) => ({ ok: false as const, err }),
    );
    const ms = Date.now() - started;
    const after = await stat(sentinel);
    assert.equal(await readFile(sentinel, 'utf8'), 'precious\n', 'sentinel content changed');
    assert.equal(after.nlink, 1, 'sentinel gained a hardlink');
    assert.equal(after.mtimeMs, before.mtimeMs, 'sentinel was written');
    assert.deepEqual(await readdir(outside), ['sentinel.txt'], 'something was created outside');
    return { ...outcome, dest, digest: layer.digest, ms };
  }

  test('"../" names are refused with an error naming the layer and entry', async () => {
    const r = await unpack([
      { header: { name: 'ok.txt' }, content: 'fine' },
      { header: { name: '../../../../outside/sentinel.txt' }, content: 'pwned' },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, new RegExp(r.digest.replace(':', '.')));
    assert.match(r.err.message, /\.\.\/\.\.\/\.\.\/\.\.\/outside\/sentinel\.txt/);
    assert.match(r.err.message, /escapes the layer root/);
  });

  test('absolute names are extracted relative to the layer root, with a warning', async () => {
    const r = await unpack([{ header: { name: join(outside, 'sentinel.txt') }, content: 'pwned' }]);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(await readFile(join(r.dest, outside, 'sentinel.txt'), 'utf8'), 'pwned');
    assert.match(r.result.warnings.join('\n'), /absolute name/);
  });

  test('writing through a symlink (absolute target) is refused', async () => {
    const r = await unpack([
      { header: { name: 'evil', type: 'symlink', linkname: outside } },
      { header: { name: 'evil/sentinel.txt' }, content: 'pwned' },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /evil\/sentinel\.txt.*symlink/);
    assert.equal((await lstat(join(r.dest, 'evil'))).isSymbolicLink(), true);
  });

  test('writing through a symlink (relative target) and a symlinked dir replaced later is refused', async () => {
    const r = await unpack([
      { header: { name: 'd/', type: 'directory', mode: 0o755 } },
      { header: { name: 'd/f' }, content: 'x' },
      { header: { name: 'd', type: 'symlink', linkname: '../../../../outside' } },
      { header: { name: 'd/sentinel.txt' }, content: 'pwned' },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /d\/sentinel\.txt.*symlink/);
  });

  test('a hardlink to a path outside is refused', async () => {
    const r = await unpack([
      { header: { name: 'hl', type: 'link', linkname: '../../../../outside/sentinel.txt' } },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /"hl".*hardlink target.*escapes/);
  });

  test('a hardlink with an absolute outside path resolves inside the layer and fails there', async () => {
    const r = await unpack([{ header: { name: 'hl', type: 'link', linkname: sentinel } }]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /hardlink target/);
  });

  test('a hardlink through a symlinked parent is refused', async () => {
    const r = await unpack([
      { header: { name: 'out', type: 'symlink', linkname: outside } },
      { header: { name: 'hl', type: 'link', linkname: 'out/sentinel.txt' } },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /hardlink target.*symlink/);
  });

  test('a whiteout for ".." is refused', async () => {
    const r = await unpack([
      { header: { name: 'a/', type: 'directory', mode: 0o755 } },
      { header: { name: 'a/.wh...' } },
    ]);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.err.message, /a\/\.wh\.\.\..*whiteout for "\.\." is refused/);
  });

  test('device nodes are skipped with a warning (fifos are kept)', async () => {
    const r = await unpack([
      { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
      { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 } },
      { header: { name: 'fake-whiteout', type: 'character-device', devmajor: 0, devminor: 0 } },
      { header: { name: 'pipe', type: 'fifo', mode: 0o644 } },
    ]);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    const warnings = r.result.warnings.join('\n');
    for (const name of ['dev/null', 'dev/sda', 'fake-whiteout'])
      assert.match(warnings, new RegExp(`${name}.*skipped`));
    for (const name of ['dev/null', 'dev/sda', 'fake-whiteout'])
      await assert.rejects(lstat(join(r.dest, name)), { code: 'ENOENT' });
    assert.equal((await lstat(join(r.dest, 'pipe'))).isFIFO(), true);
  });

  test('a 100k-entry layer unpacks correctly in reasonable time', async () => {
    const entries: TarEntry[] = [];
    for (let d = 0; d < 100; d++) {
      entries.push({ header: { name: `d${d}/`, type: 'directory', mode: 0o755 } });
      for (let f = 0; f < 1000; f++)
        entries.push({ header: { name: `d${d}/f${f}`, mode: 0o644 }, content: `${d}/${f}` });
    }
    const r = await unpack(entries);
    const ms = r.ms;
    assert.equal(r.ok, true, r.ok ? '' : r.err.message);
    if (!r.ok) return;
    assert.equal(r.result.entries, 100_100);
    assert.equal((await readdir(join(r.dest, 'd57'))).length, 1000);
    assert.equal(await readFile(join(r.dest, 'd99', 'f999'), 'utf8'), '99/999');
    assert.ok(ms < 60_000, `took ${ms} ms`);
    process.stderr.write(`100k-entry layer: unpacked in ${ms} ms\n`);
  });
});
