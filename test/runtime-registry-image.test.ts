import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ImageStore } from '../runner/oci/index.js';
import { openImageStore, pull } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import type { ContainerSpec, ImageRuntimeConfig, Runtime } from '../runner/runtime/index.js';
import { gcRuntime, imageRuntimeConfig, MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { pushBaseImage } from './helpers/base-images.js';
import { testRegistry } from './helpers/registry.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { uniqueName } from './helpers/tmp.js';

/** The unpacked layer dirs (bottom first) and runtime config of a pulled image. */
async function pullForRuntime(
  store: ImageStore,
  ref: string,
): Promise<{ lowerDirs: string[]; imageConfig: ImageRuntimeConfig }> {
  const client = new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });
  const image = await pull(client, store, ref);
  const diffIDs = image.config.rootfs.diff_ids;
  const lowerDirs = await Promise.all(
    image.layers.map((layer, i) => store.unpackLayer(layer, diffIDs[i] as string)),
  );
  return { lowerDirs, imageConfig: imageRuntimeConfig(image.config.config, ref) };
}

describe('steps in images pushed to a registry and pulled through the image store (runc)', () => {
  let dir: string;
  let rt: Runtime;
  let store: ImageStore;
  let registryHost: string;

  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    dir = await mkdtemp(join(tmpdir(), 'slipway-rt-registry-'));
    store = await openImageStore(join(dir, 'images'));
    rt = createRuntime({ dataDir: join(dir, 'data') });
    registryHost = (await testRegistry()).host;
  });
  after(async () => {
    await gcRuntime(join(dir, 'data'));
    await rm(dir, { recursive: true, force: true });
  });

  const runIn = async (
    image: { lowerDirs: string[]; imageConfig: ImageRuntimeConfig },
    extra: Partial<ContainerSpec>,
  ) => {
    const job = await rt.prepareJob({ id: uniqueName('reg'), network: 'none' });
    try {
      const sink = new MemoryLogSink();
      const result = await rt.run(job, { name: 'step', ...image, ...extra }, { sink, timeoutMs: 60_000 });
      return { result, out: sink.text('stdout'), err: sink.text('stderr') };
    } finally {
      await rt.destroyJob(job);
    }
  };

  test('debian: image env, named user, workdir, exit code, ordered output', async () => {
    const debian = await pullForRuntime(store, await pushBaseImage('debian', registryHost));
    const { result, out, err } = await runIn(debian, {
      script:
        'cat /etc/debian_version | cut -d. -f1; id -un; pwd; echo "PATH=$PATH"; echo to-stderr >&2; exit 4',
      user: 'nobody',
      workdir: '/tmp/build',
    });
    assert.equal(result.exitCode, 4);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '12');
    assert.deepEqual(lines.slice(1, 3), ['nobody', '/tmp/build']);
    assert.match(lines[3] ?? '', /^PATH=.*\/usr\/bin/);
    assert.equal(err, 'to-stderr\n');
  });

  test('busybox: the image Cmd runs when a step gives no command; args override it', async () => {
    const busybox = await pullForRuntime(store, await pushBaseImage('busybox', registryHost));
    const own = await runIn(
      { ...busybox, imageConfig: { ...busybox.imageConfig, Cmd: ['echo', 'from-cmd'] } },
      {},
    );
    assert.equal(own.out, 'from-cmd\n');
    const given = await runIn(busybox, { args: ['sh', '-c', 'echo given; id -u builder'] });
    assert.equal(given.out, 'given\n1000\n');
  });
});
