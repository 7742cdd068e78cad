import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { runTool } from '../../lib/proc.js';
import { buildImage } from '../../runner/builder/index.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import { openRunnerHost } from '../../runner/host.js';
import type { BuiltImageSummary } from './docker-build.js';
import { IMAGE_IGNORED_PATHS } from './docker-build.js';
import { normaliseConfig } from './docker-build-config.js';
import { fixtureBuildEnv } from './fixture-build-env.js';
import { flattenLayers } from './layer-flatten.js';
import { seedStore } from './seed-store.js';
import { tempDir } from './tmp.js';

/**
 * The Slipway side of the Dockerfile conformance test: builds a fixture with `buildImage` into
 * a fresh data dir whose image store already holds the local busybox image as `busybox:latest`,
 * and reduces the built image to the same summary as the Docker side (flattened layers,
 * normalised config). Data dirs are temp dirs removed after the test file.
 */

let template: Promise<string> | undefined;

/** A data dir seeded once (pushed to a private registry and pulled, like a runner gets it). */
function seededTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = await tempDir('conformance-seed');
    await seedStore(dir, 'busybox', ['busybox:latest']);
    return dir;
  })();
  return template;
}

/** A fresh data dir holding busybox:latest (a copy of the seeded template's image store). */
export async function seededDataDir(): Promise<string> {
  const seed = await seededTemplate();
  const dataDir = await tempDir('conformance-build');
  await mkdir(dataDir, { recursive: true });
  await runTool('cp', ['-a', dataDirPaths.images(seed), dataDirPaths.images(dataDir)]);
  return dataDir;
}

/** Reads an image of the store of `dataDir` into a summary comparable with Docker's. */
export async function slipwayImageSummary(
  dataDir: string,
  manifestDigest: string,
): Promise<BuiltImageSummary> {
  const { store } = await openRunnerHost({ dataDir, hostRegistries: 'any' });
  const manifest = JSON.parse((await store.content.read(manifestDigest)).toString()) as {
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  const config = JSON.parse((await store.content.read(manifest.config.digest)).toString());
  const paths = await Promise.all(manifest.layers.map((l) => store.content.blobPath(l.digest)));
  const listing = await flattenLayers(
    paths.map((p) => () => createReadStream(p)),
    IMAGE_IGNORED_PATHS,
  );
  return { listing: [...listing.values()], config: normaliseConfig(config) };
}

/**
 * Builds `contextDir` with Slipway (no network for RUN, like the Docker side; the fixture's
 * `build-env` settings, see fixture-build-env.ts) and summarises it.
 */
export async function slipwayBuildSummary(contextDir: string): Promise<BuiltImageSummary> {
  const dataDir = await seededDataDir();
  const { sourceDateEpoch } = await fixtureBuildEnv(contextDir);
  const result = await buildImage({
    contextDir,
    host: await openRunnerHost({ dataDir, hostRegistries: 'any' }),
    network: 'none',
    sourceDateEpoch,
  });
  return await slipwayImageSummary(dataDir, result.manifestDigest);
}
