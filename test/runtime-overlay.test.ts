import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mountOverlaySyscall, umountSyscallAsync } from '../lib/libc.js';
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

test('a layer listed more than once mounts (no ELOOP) and counts at its topmost position, on both mount paths', async () => {
  requireRoot();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-overlay-repeat-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const layer = async (name: string, long = false) => {
    const path = join(dir, 'layers', long ? `${name}${'e'.repeat(90)}` : name);
    await mkdir(join(path, 'etc'), { recursive: true });
    await writeFile(join(path, 'etc/top'), name);
    await writeFile(join(path, `only-${name}`), name);
    return path;
  };
  const [a, b, empty] = [await layer('a'), await layer('b'), await layer('empty')];
  const cases: Array<[string[], string]> = [
    [[a, b, a], 'a'],
    [[b, a, b, a, b], 'b'],
    [[a, empty, empty, empty, empty, empty, b], 'b'],
  ];
  // Long paths: the options do not fit a page, so `mount` runs with short l/<n> links.
  const long: string[] = [];
  for (let i = 0; i < 40; i++) long.push(await layer(`l${String(i).padStart(2, '0')}`, true));
  cases.push([[...long, long[3]!, long[5]!, long[3]!], 'l03']);
  for (const [i, [lower, top]] of cases.entries()) {
    const root = await mountOverlay(join(dir, `ctr-${i}`), lower);
    try {
      assert.equal(
        await readFile(join(root.merged, 'etc/top'), 'utf8'),
        top,
        `case ${i}: the topmost copy wins`,
      );
      for (const l of lower) {
        const name = l.split('/').at(-1)!.replace(/e+$/, '');
        assert.equal(
          await readFile(join(root.merged, `only-${name}`), 'utf8'),
          name,
          `case ${i}: ${name} is there`,
        );
      }
    } finally {
      await unmountOverlay(join(dir, `ctr-${i}`));
    }
  }
  assert.deepEqual(await mountsUnder(dir), []);
});

test('the unmount syscall runs off the event loop and reports what umount2 reports', async () => {
  requireRoot();
  const dir = await mkdtemp(join(tmpdir(), 'slipway-overlay-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const lower = join(dir, 'lower');
  await mkdir(lower, { recursive: true });
  await writeFile(join(lower, 'f'), 'x');
  const merged = join(dir, 'm');
  for (const d of ['u', 'w', 'm']) await mkdir(join(dir, d));
  assert.equal(mountOverlaySyscall(merged, `lowerdir=${lower},upperdir=${dir}/u,workdir=${dir}/w`), 0);
  assert.deepEqual(await mountsUnder(dir), [merged]);
  // The call leaves this thread: a microtask queued after it runs before it resolves.
  const order: string[] = [];
  const unmounted = umountSyscallAsync(merged).then((errno) => {
    order.push('unmounted');
    return errno;
  });
  await Promise.resolve().then(() => order.push('event loop'));
  assert.equal(await unmounted, 0);
  assert.deepEqual(order, ['event loop', 'unmounted']);
  assert.deepEqual(await mountsUnder(dir), [], 'the overlay is gone from /proc/mounts');
  assert.equal(await umountSyscallAsync(merged), 22, 'not a mount point any more: EINVAL, as umount2 says');
  assert.equal(await umountSyscallAsync(join(dir, 'missing')), 2, 'no such path: ENOENT');
});
