import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { getAttribute, listAttributes, setAttribute } from 'fs-xattr';
import { extract } from 'tar-stream';
import type { ImageStore } from '../runner/oci/index.js';
import { openImageStore, packLayer } from '../runner/oci/index.js';
import { makeLayer } from './helpers/layer-tar.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

const base = await tempDir('slipway-layers');
const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_bind_service+ep

/** Everything a container would notice about a tree: type, mode, owner, content, target, xattrs, mtime, links. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const inodes = new Map<number, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(p);
      const type = st.isDirectory()
        ? 'd'
        : st.isSymbolicLink()
          ? 'l'
          : st.isFile()
            ? 'f'
            : st.isFIFO()
              ? 'p'
              : st.isCharacterDevice()
                ? `c${st.rdev}`
                : '?';
      let extra = '';
      if (st.isFile())
        extra = createHash('sha256')
          .update(await readFile(p))
          .digest('hex')
          .slice(0, 12);
      if (st.isSymbolicLink()) extra = await readlink(p);
      const xattrs = st.isSymbolicLink() ? [] : (await listAttributes(p)).sort();
      const xs = await Promise.all(
        xattrs.map(async (x) => `${x}=${(await getAttribute(p, x)).toString('hex')}`),
      );
      let linkGroup = '';
      if (st.isFile() && st.nlink > 1) {
        if (!inodes.has(st.ino)) inodes.set(st.ino, r);
        linkGroup = inodes.get(st.ino)!;
      }
      const mtime = st.isSymbolicLink() || type.startsWith('c') ? '' : String(Math.floor(st.mtimeMs / 1000));
      out[r] = [
        type,
        (st.mode & 0o7777).toString(8),
        `${st.uid}:${st.gid}`,
        extra,
        xs.join(','),
        linkGroup,
        mtime,
      ].join(' ');
      if (st.isDirectory()) await walk(p, r);
    }
  }
  await walk(root, '');
  return out;
}

async function tarNames(store: ImageStore, digest: string): Promise<string[]> {
  const { gunzipSync } = await import('node:zlib');
  const ex = extract();
  ex.end(gunzipSync(await store.content.read(digest)));
  const names: string[] = [];
  for await (const e of ex) {
    names.push(e.header.name);
    e.resume();
  }
  return names;
}

describe('layer pack and unpack', () => {
  let store: ImageStore;
  before(async () => {
    requireRoot();
    store = await openImageStore(join(base, 'store'));
  });

  test('pack → unpack round-trips types, modes, owners, hardlinks, symlinks, fifos, xattrs and mtimes', async () => {
    const src = join(base, 'tree');
    await mkdir(join(src, 'bin'), { recursive: true });
    await mkdir(join(src, 'tmp'), { mode: 0o1777 });
    await chmod(join(src, 'tmp'), 0o1777);
    await writeFile(join(src, 'bin', 'ping'), 'ELF...');
    await chmod(join(src, 'bin', 'ping'), 0o4755);
    await setAttribute(join(src, 'bin', 'ping'), 'security.capability', CAPABILITY);
    await writeFile(join(src, 'bin', 'data'), Buffer.alloc(3 << 20, 7));
    await setAttribute(join(src, 'bin', 'data'), 'user.note', 'héllo');
    await link(join(src, 'bin', 'data'), join(src, 'bin', 'data-link'));
    await symlink('../bin/ping', join(src, 'bin', 'ping-link'));
    await symlink('/nonexistent/abs', join(src, 'dangling'));
    await mkdir(join(src, 'home', 'user'), { recursive: true });
    await writeFile(
      join(
        src,
        'home',
        'user',
        'ünïcode name with a very long path component to exceed the ustar limit of one hundred bytes.txt',
      ),
      'x',
    );
    await chown(join(src, 'home', 'user'), 1000, 2000);
    execFileSync('mkfifo', [join(src, 'home', 'pipe')]);
    await utimes(join(src, 'bin', 'ping'), 1_600_000_000, 1_600_000_000);
    await utimes(join(src, 'home'), 1_500_000_000, 1_500_000_000);

    const packed = await packLayer(src, store.content);
    assert.equal(packed.descriptor.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(await store.content.has(packed.descriptor.digest), true);
    const dir = await store.unpackLayer(packed.descriptor, packed.diffID);
    assert.deepEqual(await snapshot(dir), await snapshot(src));
    assert.deepEqual(await getAttribute(join(dir, 'bin', 'ping'), 'security.capability'), CAPABILITY);
  });

  test('packing is deterministic and SOURCE_DATE_EPOCH clamps mtimes', async () => {
    const src = join(base, 'det');
    await mkdir(join(src, 'a'), { recursive: true });
    await writeFile(join(src, 'a', 'new'), 'n');
    await writeFile(join(src, 'a', 'old'), 'o');
    await utimes(join(src, 'a', 'old'), 1_000_000_000, 1_000_000_000);
    const one = await packLayer(src, store.content, { sourceDateEpoch: 1_200_000_000 });
    const two = await packLayer(src, store.content, { sourceDateEpoch: 1_200_000_000 });
    assert.equal(one.descriptor.digest, two.descriptor.digest);
    assert.deepEqual(await tarNames(store, one.descriptor.digest), ['a/', 'a/new', 'a/old']);
    const dir = await store.unpackLayer(one.descriptor, one.diffID);
    assert.equal((await lstat(join(dir, 'a', 'new'))).mtimeMs, 1_200_000_000_000);
    assert.equal((await lstat(join(dir, 'a', 'old'))).mtimeMs, 1_000_000_000_000);
  });

  test('an overlay upper dir packs to OCI whiteouts and unpacks back to lower-dir form', async () => {
    const upper = join(base, 'upper');
    await mkdir(join(upper, 'etc', 'conf.d'), { recursive: true });
    await writeFile(join(upper, 'etc', 'conf.d', 'kept'), 'k');
    await setAttribute(join(upper, 'etc', 'conf.d'), 'trusted.overlay.opaque', 'y');
    execFileSync('mknod', [join(upper, 'etc', 'removed'), 'c', '0', '0']);
    const packed = await packLayer(upper, store.content, { upper: true });
    assert.deepEqual(await tarNames(store, packed.descriptor.digest), [
      'etc/',
      'etc/conf.d/',
      'etc/conf.d/.wh..wh..opq',
      'etc/conf.d/kept',
      'etc/.wh.removed',
    ]);
    const dir = await store.unpackLayer(packed.descriptor, packed.diffID);
    const removed = await lstat(join(dir, 'etc', 'removed'));
    assert.equal(removed.isCharacterDevice() && removed.rdev === 0, true);
    assert.equal((await getAttribute(join(dir, 'etc', 'conf.d'), 'trusted.overlay.opaque')).toString(), 'y');
    assert.equal(await readFile(join(dir, 'etc', 'conf.d', 'kept'), 'utf8'), 'k');
  });

  for (const compression of ['gzip', 'zstd', 'none'] as const) {
    test(`unpacks ${compression} layers and verifies the diffID`, async () => {
      if (compression === 'zstd') requireBinary('zstd', 'zstd');
      const layer = await makeLayer(
        [
          { header: { name: 'hello.txt', mode: 0o600, uid: 7, gid: 8 }, content: `hi ${compression}` },
          { header: { name: 'x/.wh.gone' } },
        ],
        compression,
      );
      await store.content.write(layer.blob, { digest: layer.digest });
      const desc = {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layer.digest,
        size: layer.blob.length,
      };
      const dir = await store.unpackLayer(desc, layer.diffID);
      assert.equal(await readFile(join(dir, 'hello.txt'), 'utf8'), `hi ${compression}`);
      const st = await lstat(join(dir, 'hello.txt'));
      assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o600, 7, 8]);
      assert.equal((await lstat(join(dir, 'x', 'gone'))).isCharacterDevice(), true);
      const wrong = `sha256:${'0'.repeat(64)}`;
      await assert.rejects(store.unpackLayer(desc, wrong), (err: Error) => {
        assert.match(err.message, new RegExp(`layer ${layer.digest}: diffID mismatch`));
        return true;
      });
      assert.equal(await store.layerDir(wrong), undefined);
    });
  }
});
