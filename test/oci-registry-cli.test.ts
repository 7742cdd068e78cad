import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { openImageStore } from '../runner/oci/index.js';
import { storeImage } from './helpers/oci-fixtures.js';
import { testRegistry } from './helpers/registry.js';
import { tempDir } from './helpers/tmp.js';

async function slipway(dataDir: string, ...args: string[]) {
  const env = {
    ...process.env,
    SLIPWAY_DATA_DIR: dataDir,
    DOCKER_CONFIG: dataDir,
    SLIPWAY_LOG_LEVEL: 'silent',
  };
  return await runTool(process.execPath, ['bin/slipway.mjs', ...args], { env });
}

test('slipway push, pull (progress lines), images, images rm and prune', async () => {
  const reg = await testRegistry('none');
  const srcDir = await tempDir('cli-src');
  const src = await openImageStore(dataDirPaths.images(srcDir));
  const ref = `${reg.host}/cli/app:v1`;
  await storeImage(src, ref, [{ 'a.txt': 'a' }, { 'b.bin': randomBytes(50_000) }]);

  const pushed = await slipway(srcDir, 'push', ref, `${reg.host}/cli/app:v2`, '--tag', 'v3');
  assert.match(pushed, /: uploaded \(/);
  assert.match(pushed, new RegExp(`pushed ${reg.host}/cli/app:v2 sha256:`));

  const dstDir = await tempDir('cli-dst');
  const pulled = await slipway(dstDir, 'pull', `${reg.host}/cli/app:v3`);
  assert.equal(
    pulled.match(/ layer: done [\d.]+ [KM]?B in [\d.]+s \([\d.]+ [KMG]?B\/s\)/g)?.length,
    2,
    pulled,
  );
  assert.match(pulled, /config: done/);
  const again = await slipway(dstDir, 'pull', `${reg.host}/cli/app:v3`);
  assert.equal(again.match(/ layer: cached/g)?.length, 2, again);

  const listed = await slipway(dstDir, 'images');
  assert.match(listed, new RegExp(`${reg.host}/cli/app:v3\\s+sha256:[0-9a-f]{12}\\s+5\\d\\.\\d KB`));

  await slipway(dstDir, 'images', 'rm', `${reg.host}/cli/app:v3`);
  assert.doesNotMatch(await slipway(dstDir, 'images'), /cli\/app/);
  const pruned = await slipway(dstDir, 'images', 'prune', '--grace-seconds', '0');
  assert.match(pruned, /removed [1-9]\d* items, freed 5\d\.\d KB/);

  await assert.rejects(slipway(dstDir, 'pull', 'Bad//ref'), /invalid image reference "Bad\/\/ref"/);
});
