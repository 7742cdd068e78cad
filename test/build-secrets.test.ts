import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { BuildFailure } from '../runner/builder/index.js';
import { build, busyboxDataDir, executed, makeContext, readStoredImage } from './build-helpers.js';
import { tempDir } from './helpers/tmp.js';
import { listTar } from './helpers/tree-listing.js';

// RUN --mount=type=secret: the value is readable in that RUN only, never in a layer, never in
// the cache key; a missing secret is an error only when the mount says required=true.

const DOCKERFILE = `FROM busybox:latest
RUN --mount=type=secret,id=tok echo "token is $(cat /run/secrets/tok)" && stat -c 'mode %a' /run/secrets/tok
RUN if [ -e /run/secrets/tok ]; then echo "still there"; else echo "gone after its RUN"; fi
`;

let dataDir: string;
let secretsDir: string;
before(async () => {
  dataDir = await busyboxDataDir();
  secretsDir = await tempDir('build-secrets');
});

async function secretFile(name: string, value: string): Promise<string> {
  const path = join(secretsDir, name);
  await writeFile(path, value);
  return path;
}

test('a secret is readable in its RUN only, in no layer, and not part of the cache key', async () => {
  const value = `s3cr3t-${Math.random().toString(36).slice(2)}`;
  const contextDir = await makeContext({ Dockerfile: DOCKERFILE });
  const first = await build({ contextDir, dataDir, secrets: { tok: await secretFile('tok', value) } });
  assert.ok(first.output.includes(`token is ${value}`), first.output.join('\n'));
  assert.ok(first.output.includes('mode 400'), first.output.join('\n'));
  assert.ok(first.output.includes('gone after its RUN'), first.output.join('\n'));

  const image = await readStoredImage(dataDir, first.manifestDigest);
  for (const [i, tar] of image.layerTars.entries()) {
    assert.equal(tar.includes(value), false, `layer ${i} holds the secret's value`);
    const paths = [...(await listTar(Readable.from(tar))).keys()];
    assert.deepEqual(
      paths.filter((p) => p.startsWith('/run')),
      [],
      `layer ${i} holds the secret's mount point`,
    );
  }
  assert.equal(image.layerTars.length, 3, 'the base layer and one per RUN');

  // a new value for the secret does not invalidate the cache: nothing runs again
  const rotated = await build({ contextDir, dataDir, secrets: { tok: await secretFile('tok2', 'rotated') } });
  assert.deepEqual(executed(rotated), []);
  assert.equal(rotated.manifestDigest, first.manifestDigest);
});

test('a missing secret fails with its id and the Dockerfile line when required=true', async () => {
  const contextDir = await makeContext({
    Dockerfile:
      'FROM busybox:latest\nRUN echo before\nRUN --mount=type=secret,id=deploy_key,required=true cat /run/secrets/deploy_key\n',
  });
  await assert.rejects(build({ contextDir, dataDir }), (err: Error) => {
    assert.ok(err instanceof BuildFailure, String(err));
    assert.match(err.message, /^Dockerfile:3: RUN --mount=type=secret,id=deploy_key,required=true cat/);
    assert.match(
      err.message,
      /secret "deploy_key" is required but was not given \(--secret id=deploy_key,src=/,
    );
    return true;
  });
});

test('a missing secret without required=true leaves the RUN without it, as docker does', async () => {
  const contextDir = await makeContext({
    Dockerfile:
      'FROM busybox:latest\nRUN --mount=type=secret,id=optional,required=false if [ -e /run/secrets/optional ]; then echo present; else echo absent; fi\n',
  });
  const r = await build({ contextDir, dataDir });
  assert.deepEqual(r.output, ['absent']);
});
