import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { ImageStore } from '../runner/oci/index.js';
import { openImageStore, packLayer } from '../runner/oci/index.js';
import { sha256 } from './helpers/layer-tar.js';
import { requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

// Modes survive a layer exactly, both ways: 0, setuid, setgid, sticky and every permission
// bit, on files and directories. The tar headers are read byte by byte here, not through the
// tar library the packer uses, so a default it fills in cannot hide.

const MODES = [0o0, 0o7777, 0o4000, 0o2000, 0o1000, 0o6000, 0o4755, 0o2711, 0o1644, 0o0001, 0o0070, 0o0400];
const base = await tempDir('slipway-layer-modes');

/** `name → mode` of every entry of an uncompressed tar, from the raw ustar header fields. */
function headerModes(tar: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let off = 0; off + 512 <= tar.length; ) {
    const block = tar.subarray(off, off + 512);
    if (block.every((b) => b === 0)) break;
    const field = (from: number, len: number) =>
      block
        .toString('latin1', from, from + len)
        .replace(/\0.*$/s, '')
        .trim();
    const name = `${field(345, 155) ? `${field(345, 155)}/` : ''}${field(0, 100)}`;
    out[name] = field(100, 8).padStart(4, '0').slice(-4);
    const size = Number.parseInt(field(124, 12) || '0', 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** `relative path → mode` of every entry under `root`. */
async function treeModes(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(join(root, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = await lstat(join(root, r));
    out[r] = (st.mode & 0o7777).toString(8).padStart(4, '0');
    if (st.isDirectory()) Object.assign(out, await treeModes(root, r));
  }
  return out;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

describe('layer modes', () => {
  let store: ImageStore;
  before(async () => {
    requireRoot();
    store = await openImageStore(join(base, 'store'));
  });

  test('packing writes every file and directory mode exactly, 0 and special bits included, and unpacking restores it', async () => {
    const src = join(base, 'tree');
    await mkdir(join(src, 'zero-dir'), { recursive: true });
    await writeFile(join(src, 'zero-dir', 'inside'), 'i');
    await chmod(join(src, 'zero-dir', 'inside'), 0);
    await chmod(join(src, 'zero-dir'), 0);
    const want: Record<string, string> = { 'zero-dir/': '0000', 'zero-dir/inside': '0000' };
    for (const m of MODES) {
      await writeFile(join(src, `f${octal(m)}`), octal(m));
      await mkdir(join(src, `d${octal(m)}`));
      await chown(join(src, `f${octal(m)}`), 7, 8); // chown clears setuid/setgid: chmod after it
      await chmod(join(src, `f${octal(m)}`), m);
      await chmod(join(src, `d${octal(m)}`), m);
      want[`f${octal(m)}`] = octal(m);
      want[`d${octal(m)}/`] = octal(m);
    }
    const packed = await packLayer(src, store.content);
    const tar = gunzipSync(await store.content.read(packed.descriptor.digest));
    assert.equal(sha256(tar), packed.diffID);
    assert.deepEqual(headerModes(tar), want);
    const dir = await store.unpackLayer(packed.descriptor, packed.diffID);
    assert.deepEqual(await treeModes(dir), await treeModes(src));
    assert.equal((await treeModes(dir))['zero-dir/inside'], '0000');
  });

  test('a layer written by GNU tar with modes of 0 and every special bit unpacks to exactly those modes', async () => {
    const src = join(base, 'gnu-src');
    await mkdir(join(src, 'locked'), { recursive: true });
    await writeFile(join(src, 'locked', 'secret'), 's');
    await writeFile(join(src, 'nothing'), 'n');
    await mkdir(join(src, 'shared'));
    await writeFile(join(src, 'suid'), 'u');
    await chmod(join(src, 'locked', 'secret'), 0);
    await chmod(join(src, 'locked'), 0);
    await chmod(join(src, 'nothing'), 0);
    await chmod(join(src, 'shared'), 0o3777);
    await chmod(join(src, 'suid'), 0o6755);
    const tar = execFileSync('tar', ['--format=ustar', '--numeric-owner', '-C', src, '-cf', '-', '.']);
    const digest = sha256(tar);
    await store.content.write(tar, { digest });
    const desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest, size: tar.length };
    const dir = await store.unpackLayer(desc, digest);
    assert.deepEqual(await treeModes(dir), {
      locked: '0000',
      'locked/secret': '0000',
      nothing: '0000',
      shared: '3777',
      suid: '6755',
    });
  });
});
