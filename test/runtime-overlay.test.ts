import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mountOverlay, mountsUnder, unmountOverlay } from '../runner/rootfs/index.js';
import { requireRoot } from './helpers/requirements.js';

test('an overlay of 80 layers with long paths mounts (options stay under one page), in order, and unmounts cleanly', async () => {
  requireRoot();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-overlay-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const layers: string[] = [];
  for (let i = 0; i < 80; i++) {
    // ~110-byte absolute paths: 80 of them would be ~9 KB of lowerdir option, over the 4 KB page.
    const layer = join(dir, 'layers', 'sha256', `${String(i).padStart(3, '0')}${'f'.repeat(61)}`, 'unpacked');
    await mkdir(join(layer, 'etc'), { recursive: true });
    await writeFile(join(layer, `file-${i}`), String(i));
    await writeFile(join(layer, 'etc/top'), String(i));
    layers.push(layer);
  }
  assert.ok(layers.join(':').length > 8000);
  const root = await mountOverlay(join(dir, 'ctr'), layers);
  try {
    assert.equal(await readFile(join(root.merged, 'file-0'), 'utf8'), '0');
    assert.equal(await readFile(join(root.merged, 'file-79'), 'utf8'), '79');
    assert.equal(await readFile(join(root.merged, 'etc/top'), 'utf8'), '79', 'the last layer is the top one');
    await writeFile(join(root.merged, 'etc/top'), 'changed');
    assert.equal(
      await readFile(join(layers[79] as string, 'etc/top'), 'utf8'),
      '79',
      'lower dirs stay untouched',
    );
    assert.deepEqual(await mountsUnder(join(dir, 'ctr')), [root.merged]);
  } finally {
    await unmountOverlay(join(dir, 'ctr'));
  }
  assert.deepEqual(await mountsUnder(dir), []);
  assert.ok(!existsSync(join(dir, 'ctr')), 'upper and work dirs are removed');
  await unmountOverlay(join(dir, 'ctr'));
});
