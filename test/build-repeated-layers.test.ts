import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runTool } from '../lib/proc.js';
import { build, busyboxDataDir, makeContext, readStoredImage } from './build-helpers.js';
import { baseImage } from './helpers/base-images.js';
import { addDirLayer, finishLayout, initLayout, type LayoutLayer, shareLayer } from './helpers/oci-layout.js';
import { testRegistry } from './helpers/registry.js';
import { requireBinary } from './helpers/requirements.js';
import { slipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

// Images whose layer list repeats a diffID (several empty layers, or the same content twice, as
// other builders make them) must run and build: overlayfs is given each layer once, at its
// topmost position. Layer order matters: in [busybox, E, L, E, M, L, E] the file both L and M
// write must read as L's.

/** The diffID of an empty tar (1024 zero bytes), Docker's well-known empty layer. */
const EMPTY_LAYER = `sha256:${createHash('sha256').update(Buffer.alloc(1024)).digest('hex')}`;

/** Stores an empty-tar layer (gzip) in the layout. */
async function addEmptyLayer(layoutDir: string, createdBy: string): Promise<LayoutLayer> {
  const blob = gzipSync(Buffer.alloc(1024));
  const hex = createHash('sha256').update(blob).digest('hex');
  await writeFile(join(layoutDir, 'blobs', 'sha256', hex), blob);
  return { digest: `sha256:${hex}`, size: blob.length, diffID: EMPTY_LAYER, createdBy };
}

/** The busybox base layout's single layer, as a LayoutLayer. */
async function busyboxLayer(layoutDir: string): Promise<LayoutLayer> {
  const blob = (d: string) => readFile(join(layoutDir, 'blobs', 'sha256', d.slice('sha256:'.length)), 'utf8');
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(await blob(index.manifests[0].digest));
  const config = JSON.parse(await blob(manifest.config.digest));
  return { ...manifest.layers[0], diffID: config.rootfs.diff_ids[0], createdBy: 'busybox' };
}

/** Writes the repeated-layer image as an OCI layout and pushes it; returns its reference. */
async function pushRepeatedImage(registryHost: string): Promise<string> {
  const work = await tempDir('repeated-layout');
  const layout = join(work, 'oci');
  await initLayout(layout);
  const busybox = await baseImage('busybox');
  const base = await shareLayer(busybox.layoutDir, layout, await busyboxLayer(busybox.layoutDir));
  const layerDir = async (name: string, files: Record<string, string>) => {
    const dir = join(work, name);
    await mkdir(dir);
    for (const [rel, content] of Object.entries(files)) await writeFile(join(dir, rel), content);
    return dir;
  };
  const l = await addDirLayer(layout, await layerDir('l', { repeated: 'L\n', 'only-l': 'l\n' }), 'L');
  const m = await addDirLayer(layout, await layerDir('m', { repeated: 'M\n', 'only-m': 'm\n' }), 'M');
  const e = await addEmptyLayer(layout, 'empty');
  await finishLayout(layout, [base, e, l, e, m, l, e], {
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    Cmd: ['sh'],
  });
  const ref = `${registryHost}/repeated:latest`;
  await runTool('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout}:latest`,
    `docker://${ref}`,
  ]);
  return ref;
}

async function pipelineRepo(image: string, run: string): Promise<string> {
  const repo = await tempDir('repeated-repo');
  await writeFile(
    join(repo, '.slipway.yml'),
    `image: ${image}\njobs:\n  show:\n    steps:\n      - name: show\n        run: ${JSON.stringify(run)}\n`,
  );
  return repo;
}

describe('images whose layer list repeats a layer', () => {
  let dataDir: string;
  let ref: string;
  let registryHost: string;
  before(async () => {
    requireBinary('skopeo', 'skopeo');
    dataDir = await busyboxDataDir();
    registryHost = (await testRegistry()).host;
    ref = await pushRepeatedImage(registryHost);
  });

  it('run under slipway exec, the topmost copy of a repeated layer winning', async () => {
    const res = await slipway([
      'exec',
      await pipelineRepo(ref, 'cat /repeated /only-l /only-m'),
      '--data-dir',
      dataDir,
      '--allow-registry',
      registryHost,
    ]);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /L\s+l\s+m/);
    assert.doesNotMatch(res.out, /ELOOP/);
  });

  it('build as a FROM base (RUN, COPY --from, a bind mount of it), and the result runs too', async () => {
    const contextDir = await makeContext({
      Dockerfile: `FROM ${ref} AS base
RUN true
RUN true
FROM busybox:latest
COPY --from=base /repeated /copied
RUN --mount=type=bind,from=base,target=/base cat /base/repeated > /bound
FROM base
COPY --from=1 /copied /bound /
RUN cat /repeated > /seen && true
RUN true
`,
    });
    const r = await build({ contextDir, dataDir, tags: ['repeated.test/derived:1'] });
    const image = await readStoredImage(dataDir, r.manifestDigest);
    const ids = image.config.rootfs.diff_ids;
    assert.equal(ids.length, 12, 'base 7 + 2 RUNs + COPY + 2 RUNs');
    assert.equal(ids.filter((d) => d === EMPTY_LAYER).length, 6, 'the base empties and the no-op RUNs');
    const res = await slipway([
      'exec',
      await pipelineRepo('repeated.test/derived:1', 'cat /seen /copied /bound'),
      '--data-dir',
      dataDir,
    ]);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /L\s+L\s+L/);
  });
});

describe('a RUN that changes nothing', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await busyboxDataDir();
  });

  for (const sde of [undefined, 1_700_000_000])
    it(`gives an empty layer, however often it repeats (SOURCE_DATE_EPOCH ${sde ?? 'unset'})`, async () => {
      const contextDir = await makeContext({
        Dockerfile: `FROM busybox:latest
RUN true
RUN true
RUN true
RUN true
RUN true
RUN cat /etc/hosts /etc/resolv.conf > /dev/null
RUN --mount=type=tmpfs,target=/var/scratch/deep true
RUN --mount=type=cache,target=/root/.cache/tool ls /root/.cache > /dev/null
RUN --network=none true
RUN touch /etc/created && rm /etc/created
RUN chmod 0750 /var
RUN touch /etc/kept
RUN true
`,
      });
      const r = await build({ contextDir, dataDir, sourceDateEpoch: sde, noCache: true });
      const image = await readStoredImage(dataDir, r.manifestDigest);
      const names = image.layerTars.map((tar) => tarNames(tar));
      assert.deepEqual(names.slice(1), [
        ...Array.from({ length: 10 }, () => []),
        ['var/'],
        ['etc/', 'etc/kept'],
        [],
      ]);
      assert.equal(image.config.rootfs.diff_ids[1], EMPTY_LAYER);
    });
});

/** Entry names of an uncompressed tar (ustar headers only; the layers here are small). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString().replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString().replace(/\0.*$/s, '');
    const size = Number.parseInt(header.subarray(124, 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type !== 'x' && type !== 'g') names.push(prefix ? `${prefix}/${name}` : name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
