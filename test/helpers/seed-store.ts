import { dataDirPaths } from '../../runner/data-dir.js';
import { openImageStore, pull } from '../../runner/oci/index.js';
import { RegistryClient } from '../../runner/oci/registry/client.js';
import { type BaseImageName, pushBaseImage } from './base-images.js';
import { testRegistry } from './registry.js';

/**
 * Puts a base image into the image store of `dataDir` the way a runner gets it (pushed to a
 * private registry, pulled by Slipway) and also names it `aliases` (e.g. `busybox:latest`),
 * so pipelines can refer to it without any public registry. Returns the registry reference.
 */
export async function seedStore(
  dataDir: string,
  name: BaseImageName,
  aliases: string[] = [],
): Promise<string> {
  const registry = await testRegistry();
  const ref = await pushBaseImage(name, registry.host);
  const store = await openImageStore(dataDirPaths.images(dataDir));
  const pulled = await pull(new RegistryClient(), store, ref);
  const { formatReference, parseReference } = await import('../../runner/oci/reference.js');
  for (const alias of aliases) await store.setRef(formatReference(parseReference(alias)), pulled.manifest);
  return ref;
}
