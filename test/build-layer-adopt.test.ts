import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  readdir,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { getAttributeSync, listAttributesSync, setAttribute } from 'fs-xattr';
import { openImageStore, packLayer } from '../runner/oci/index.js';
import { requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

// A committed overlay upper dir is moved into the layer store as the layer's unpacked dir
// (packLayer `normalise` + ImageStore.adoptLayerDir) instead of unpacking the blob just packed:
// what later steps see must be exactly what unpacking that blob gives.

const SDE = 1_700_000_000;

/** Every attribute an unpack sets, per path (atime aside), plus the root's own. */
async function listing(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const describe = async (abs: string, isRoot = false) => {
    const st = await lstat(abs);
    const xattrs = st.isSymbolicLink()
      ? []
      : listAttributesSync(abs)
          .sort()
          .map((k) => `${k}=${getAttributeSync(abs, k).toString('hex')}`);
    const data = st.isFile()
      ? createHash('sha256').update(readFileSync(abs)).digest('hex')
      : st.isSymbolicLink()
        ? await readlink(abs)
        : '';
    const mtime = isRoot ? 'any (made by mkdir)' : st.mtimeMs;
    return JSON.stringify([st.mode.toString(8), st.uid, st.gid, mtime, st.rdev, st.nlink, xattrs, data]);
  };
  out['/'] = await describe(root, true);
  const walk = async (dir: string, rel: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      out[`${rel}/${name}`] = await describe(abs);
      if ((await lstat(abs)).isDirectory()) await walk(abs, `${rel}/${name}`);
    }
  };
  await walk(root, '');
  return out;
}

async function upperDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'a/deep'), { recursive: true });
  await writeFile(join(dir, 'a/f'), 'content\n');
  await chown(join(dir, 'a/f'), 123, 456);
  await chmod(join(dir, 'a/f'), 0o4750);
  await link(join(dir, 'a/f'), join(dir, 'a/hard'));
  await symlink('a/f', join(dir, 'link'));
  await writeFile(join(dir, 'new'), 'newer than SOURCE_DATE_EPOCH');
  await utimes(join(dir, 'new'), 2_000_000_000.25, 2_000_000_000.25);
  await utimes(join(dir, 'a/f'), 1_600_000_000.5, 1_600_000_000.5);
  await setAttribute(join(dir, 'a/f'), 'user.note', 'kept');
  await setAttribute(join(dir, 'a/f'), 'trusted.overlay.origin', Buffer.from([0, 1, 2]));
  await setAttribute(join(dir, 'a/f'), 'trusted.other', 'not applied by unpack');
  execFileSync('mknod', ['-m', '0', join(dir, 'gone'), 'c', '0', '0']);
  await mkdir(join(dir, 'opq'));
  await setAttribute(join(dir, 'opq'), 'trusted.overlay.opaque', 'y');
  await setAttribute(join(dir, 'a'), 'trusted.overlay.impure', 'y');
  await writeFile(join(dir, 'opq/inside'), 'x');
  await utimes(join(dir, 'a/deep'), 1_650_000_000.75, 1_650_000_000.75);
  await utimes(join(dir, 'a'), 1_650_000_001.125, 1_650_000_001.125);
  await chmod(dir, 0o700);
  await setAttribute(dir, 'trusted.overlay.impure', 'y');
}

test('an adopted upper dir equals the unpacked blob of its layer', async () => {
  requireRoot();
  const tmp = await tempDir('slipway-adopt');
  const upper = join(tmp, 'upper');
  await mkdir(upper);
  await upperDir(upper);
  const store = await openImageStore(join(tmp, 'adopting'));
  const packed = await packLayer(upper, store.content, {
    upper: true,
    sourceDateEpoch: SDE,
    normalise: true,
  });
  assert.equal(packed.adoptable, true);
  const adopted = await store.adoptLayerDir(upper, packed.descriptor, packed.diffID, packed.stats);
  assert.ok(adopted, 'moved into the store');
  assert.equal(existsSync(upper), false, 'the dir was moved, not copied');
  assert.equal(await store.layerDir(packed.diffID), adopted);

  const other = await openImageStore(join(tmp, 'unpacking'));
  await other.content.write(await store.content.read(packed.descriptor.digest));
  const unpacked = await other.unpackLayer(packed.descriptor, packed.diffID);
  assert.deepEqual(await listing(adopted), await listing(unpacked));
});

test('adopting a layer the store already has keeps the stored copy', async () => {
  requireRoot();
  const tmp = await tempDir('slipway-adopt');
  const store = await openImageStore(join(tmp, 'data'));
  const dirs = [join(tmp, 'one'), join(tmp, 'two')];
  const results: Array<string | undefined> = [];
  for (const d of dirs) {
    await mkdir(d);
    await writeFile(join(d, 'f'), 'same');
    await utimes(join(d, 'f'), SDE, SDE);
    const p = await packLayer(d, store.content, { normalise: true });
    results.push(await store.adoptLayerDir(d, p.descriptor, p.diffID, p.stats));
  }
  assert.equal(results[0], results[1]);
  assert.equal(existsSync(dirs[1]!), true, 'the second dir stays with the caller');
});
