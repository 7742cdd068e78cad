import { openRunnerHost } from '../../runner/host.js';
import { formatReference, parseReference, pull } from '../../runner/oci/index.js';
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
  const host = await openRunnerHost({ dataDir, hostRegistries: 'any' });
  const pulled = await pull(await host.registry(), host.store, ref);
  for (const alias of aliases)
    await host.store.setRef(formatReference(parseReference(alias)), pulled.manifest);
  return ref;
}
