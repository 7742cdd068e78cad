import assert from 'node:assert/strict';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { baseImage, baseRootfs, pushBaseImage } from './helpers/base-images.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

interface Inspect {
  Digest: string;
  Layers: string[];
  Env: string[];
  Architecture: string;
  Os: string;
}

async function inspect(ref: string): Promise<Inspect> {
  return JSON.parse(await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`])) as Inspect;
}

async function inspectConfig(ref: string): Promise<{ config: { Cmd: string[] } }> {
  const out = await runTool('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`]);
  return JSON.parse(out) as { config: { Cmd: string[] } };
}

describe('locally made base images', () => {
  it('busybox: applets, users and a sticky /tmp, pushed to a registry and visible to skopeo', async () => {
    const rootfs = await baseRootfs('busybox');
    assert.equal((await lstat(join(rootfs, 'bin/sh'))).isSymbolicLink(), true);
    assert.equal((await lstat(join(rootfs, 'tmp'))).mode & 0o7777, 0o1777);
    const passwd = await readFile(join(rootfs, 'etc/passwd'), 'utf8');
    assert.match(passwd, /^root:x:0:0:/m);
    assert.match(passwd, /^builder:x:1000:1000:/m);
    assert.match(passwd, /^nobody:x:65534:65534:/m);
    assert.equal((await lstat(join(rootfs, 'home/builder'))).uid, 1000);

    const registry = await testRegistry();
    const ref = await pushBaseImage('busybox', registry.host);
    assert.equal(ref, `${registry.host}/busybox:latest`);
    const info = await inspect(ref);
    assert.equal(info.Digest, (await baseImage('busybox')).manifestDigest);
    assert.equal(info.Layers.length, 1);
    assert.equal(info.Architecture, 'amd64');
    assert.deepEqual(info.Env, ['PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.deepEqual((await inspectConfig(ref)).config.Cmd, ['sh']);
  });

  it('debian: a debootstrap minbase without device nodes, pushed as Docker schema2 too', async () => {
    const rootfs = await baseRootfs('debian');
    assert.match(await readFile(join(rootfs, 'etc/debian_version'), 'utf8'), /^12\./);
    assert.equal((await lstat(join(rootfs, 'usr/bin/apt-get'))).isFile(), true);
    const registry = await testRegistry();
    const ref = await pushBaseImage('debian', registry.host, {
      repo: 'library/debian',
      tag: 'bookworm',
      format: 'v2s2',
    });
    const info = await inspect(ref);
    assert.equal(info.Layers.length, 1);
    const raw = await runTool('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    assert.equal(
      (JSON.parse(raw) as { mediaType: string }).mediaType,
      'application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('bench5: five layers, about 200 MB, the first shared with debian', async () => {
    const [bench, debian] = await Promise.all([baseImage('bench5'), baseImage('debian')]);
    const manifest = async (layout: string, digest: string) =>
      JSON.parse(await readFile(join(layout, 'blobs/sha256', digest.slice(7)), 'utf8')) as {
        layers: Array<{ digest: string; size: number }>;
      };
    const layers = (await manifest(bench.layoutDir, bench.manifestDigest)).layers;
    assert.equal(layers.length, 5);
    assert.equal(
      layers[0]!.digest,
      (await manifest(debian.layoutDir, debian.manifestDigest)).layers[0]!.digest,
    );
    const total = layers.reduce((n, l) => n + l.size, 0);
    assert.ok(total > 100e6 && total < 300e6, `bench5 is ${total} bytes compressed`);
  });

  it('concurrent processes building into an empty cache make one image and agree on it', async () => {
    const cache = await tempDir('image-cache');
    const helper = join(import.meta.dirname, 'helpers/base-images.js');
    const script = `import { baseImage } from '${helper}'; process.stdout.write((await baseImage('busybox')).manifestDigest);`;
    const env = { ...process.env, SLIPWAY_TEST_IMAGE_CACHE: cache, SLIPWAY_LOG_LEVEL: 'silent' };
    const digests = await Promise.all(
      [1, 2, 3].map(
        async () =>
          await runTool(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env }),
      ),
    );
    assert.match(digests[0]!, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(new Set(digests).size, 1, `each process saw ${digests.join(', ')}`);
    const entries = (await readdir(cache)).filter((e) => e !== '.locks');
    assert.equal(entries.length, 1, `cache holds ${entries.join(', ')}`);
    assert.match(entries[0]!, /^busybox-[0-9a-f]{16}$/);
  });

  it('comes from the cache the second time, at the same digest', async () => {
    const first = await baseImage('busybox');
    const started = Date.now();
    const { baseImage: fresh } = await import(`./helpers/base-images.js?again=${Date.now()}`);
    const again = (await fresh('busybox')) as typeof first;
    assert.equal(again.manifestDigest, first.manifestDigest);
    assert.equal(again.layoutDir, first.layoutDir);
    assert.ok(Date.now() - started < 5000);
  });
});
