import { randomBytes } from 'node:crypto';
import type { ImageStore, RegistryClient } from '../../runner/oci/index.js';
import { openImageStore, pull, push } from '../../runner/oci/index.js';
import { type FaultyProxy, startFaultyProxy } from './faulty-proxy.js';
import { storeImage } from './oci-fixtures.js';
import { testRegistry } from './registry.js';
import { tempDir } from './tmp.js';

/**
 * A real registry holding `app:v1` (one incompressible layer of `layerBytes`) behind a fault
 * proxy, and an empty store to pull into. Pull `${proxy.host}/app:v1`; registry, proxy and dirs
 * are cleaned up after the test file.
 */
export async function imageBehindFaultyProxy(
  registry: RegistryClient,
  layerBytes: number,
): Promise<{ proxy: FaultyProxy; layer: string; dataDir: string; store: ImageStore }> {
  const reg = await testRegistry('none');
  const src = await openImageStore(await tempDir('src'));
  await storeImage(src, `${reg.host}/app:v1`, [{ data: randomBytes(layerBytes) }]);
  await push(registry, src, `${reg.host}/app:v1`);
  const { layers } = await pull(registry, await openImageStore(await tempDir('probe')), `${reg.host}/app:v1`);
  const proxy = await startFaultyProxy(reg.host);
  const dataDir = await tempDir('dst');
  return { proxy, layer: layers[0]!.digest, dataDir, store: await openImageStore(dataDir) };
}
