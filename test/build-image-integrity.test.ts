import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { dataDirPaths } from '../runner/data-dir.js';
import { openImageStore } from '../runner/oci/index.js';
import {
  build,
  busyboxDataDir,
  executed,
  makeContext,
  readStoredImage,
  writeContext,
} from './build-helpers.js';

// A built image is self-consistent: the config's rootfs.diff_ids are the digests of its
// unpacked layers, in order, and there is one non-empty history entry per layer — for a cold
// build and for one that mixes cached and executed steps across stages.

const DOCKERFILE = `FROM busybox:latest AS tools
WORKDIR /opt/tools
RUN echo tool > tool && rm -f /bin/vi
ENV BUILT=1
FROM busybox:latest
COPY --from=tools /opt/tools /usr/local/tools
LABEL role=integrity
COPY input.txt /input.txt
RUN cat /input.txt > /copy
RUN true
CMD ["cat", "/copy"]
`;

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function checkImage(dataDir: string, manifestDigest: string, layerInstructions: number) {
  const image = await readStoredImage(dataDir, manifestDigest);
  const store = await openImageStore(dataDirPaths.images(dataDir));
  for (const l of image.manifest.layers) assert.equal(sha256(await store.content.read(l.digest)), l.digest);
  assert.equal(image.config.rootfs.type, 'layers');
  assert.deepEqual(
    image.config.rootfs.diff_ids,
    image.layerTars.map(sha256),
    'diff_ids are the digests of the uncompressed layers, in order',
  );
  const history = image.config.history ?? [];
  const withLayer = history.filter((h) => !h.empty_layer);
  assert.equal(withLayer.length, image.manifest.layers.length, JSON.stringify(history, null, 1));
  // busybox's own layer, then COPY --from, COPY, RUN, RUN of the final stage
  assert.equal(image.manifest.layers.length, 1 + layerInstructions);
  assert.equal(withLayer.at(-1)?.created_by, '/bin/sh -c true');
  assert.equal(history.at(-1)?.empty_layer, true, 'CMD adds no layer');
}

let dataDir: string;
before(async () => {
  dataDir = await busyboxDataDir();
});

test('rootfs.diff_ids match the layers and history, cold and after a partly cached rebuild', async () => {
  const contextDir = await makeContext({ Dockerfile: DOCKERFILE, 'input.txt': 'one' });
  const cold = await build({ contextDir, dataDir, tags: ['integrity:1'] });
  await checkImage(dataDir, cold.manifestDigest, 4);

  await writeContext(contextDir, { 'input.txt': 'two' });
  const partial = await build({ contextDir, dataDir, tags: ['integrity:2'] });
  assert.deepEqual(executed(partial), [
    'COPY input.txt /input.txt',
    'RUN cat /input.txt > /copy',
    'RUN true',
    'CMD ["cat", "/copy"]',
  ]);
  assert.notEqual(partial.manifestDigest, cold.manifestDigest);
  await checkImage(dataDir, partial.manifestDigest, 4);
});
