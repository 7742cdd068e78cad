import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runTool, tryTool } from '../../lib/proc.js';
import { baseImage, imageCacheRoot } from './base-images.js';
import { onCleanup } from './cleanup.js';
import { readDeliberateDifference } from './conformance-difference.js';
import { diffConfigs, type NormalisedConfig, normaliseConfig, patchConfig } from './docker-build-config.js';
import { type Dockerd, startDockerd } from './dockerd.js';
import { fixtureBuildEnv } from './fixture-build-env.js';
import { flattenLayers } from './layer-flatten.js';
import { DOCKER_CONTAINER_PATHS, diffListings, listTar, type TreeEntry } from './tree-listing.js';

/**
 * The Docker side of the Dockerfile conformance test: builds fixtures with Debian's Docker
 * (dockerd 20.10 and its built-in BuildKit, through Debian's own 20.10 client, which needs no
 * buildx) on a private dockerd with the local busybox image loaded as `busybox:latest`, and
 * reduces each image to its flattened filesystem listing and normalised config. Results are
 * cached per fixture content (and base image, Docker version) under the test cache dir, so the
 * dockerd only starts when some fixture changed.
 */
export interface BuiltImageSummary {
  /** The flattened filesystem, `IMAGE_IGNORED_PATHS` left out. */
  listing: TreeEntry[];
  config: NormalisedConfig;
}

export interface DockerFixtureResult extends BuiltImageSummary {
  /** Whether Docker built the fixture itself or its Docker 20.10 equivalent (see that README). */
  builtFrom: 'fixture' | 'docker20-equivalent';
  /** Differences between our layer flattening of `docker save` and `docker export` (should be none). */
  flattenVsExport: string[];
}

/** What the acceptance criteria except from the comparison (runtime-injected files). */
export const IMAGE_IGNORED_PATHS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

/** Debian's docker.io client; /usr/local/bin may hold a newer client that insists on buildx. */
const DOCKER_CLI = '/usr/bin/docker';
const RECIPE_VERSION = 1;
const EQUIVALENTS_DIR = join(import.meta.dirname, '..', 'fixtures', 'dockerfiles-docker20');

export function dockerBuildCacheDir(): string {
  return join(dirname(imageCacheRoot()), 'docker-build');
}

/** A stable hash of every file under `dir`: relative path, type, mode, content, link target. */
async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await readdir(abs)).sort()) {
      const p = join(abs, name);
      const st = await lstat(p);
      h.update(`${rel}/${name}\0${st.mode}\0`);
      if (st.isDirectory()) await walk(p, `${rel}/${name}`);
      else if (st.isSymbolicLink()) h.update(await readlink(p));
      else h.update(await readFile(p));
      h.update('\0');
    }
  };
  if (existsSync(dir)) await walk(dir, '');
  return h.digest('hex');
}

async function cacheKey(fixtureDir: string, name: string, dockerVersion: string): Promise<string> {
  const inputs = {
    recipe: RECIPE_VERSION,
    fixture: await hashTree(fixtureDir),
    equivalent: await hashTree(join(EQUIVALENTS_DIR, name)),
    base: (await baseImage('busybox')).manifestDigest,
    dockerVersion,
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 24);
}

/** Lists `docker export` of a container made from `tag` (never started). */
async function exportListing(d: Dockerd, tag: string) {
  const env = d.env;
  const id = (await runTool(DOCKER_CLI, ['create', '--network', 'none', tag, '/no-command'], { env })).trim();
  try {
    const child = spawn(DOCKER_CLI, ['export', id], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const listing = await listTar(child.stdout, [...DOCKER_CONTAINER_PATHS, ...IMAGE_IGNORED_PATHS]);
    return listing;
  } finally {
    await tryTool(DOCKER_CLI, ['rm', '-f', id], { env });
  }
}

async function buildOne(
  d: Dockerd,
  fixtureDir: string,
  name: string,
  work: string,
): Promise<DockerFixtureResult> {
  const equivalent = join(EQUIVALENTS_DIR, name);
  const builtFrom = existsSync(join(equivalent, 'Dockerfile')) ? 'docker20-equivalent' : 'fixture';
  const dockerfile = join(builtFrom === 'fixture' ? fixtureDir : equivalent, 'Dockerfile');
  const tag = `conformance/${name}:latest`;
  const legacy = readDeliberateDifference(fixtureDir)?.dockerBuilder === 'legacy';
  const env = { ...d.env, DOCKER_BUILDKIT: legacy ? '0' : '1' };
  const buildArgs = (await fixtureBuildEnv(fixtureDir)).dockerBuildArgs.flatMap((a) => ['--build-arg', a]);
  await runTool(
    DOCKER_CLI,
    ['build', '--network=none', '-q', ...buildArgs, '-t', tag, '-f', dockerfile, fixtureDir],
    { env },
  );
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await runTool(DOCKER_CLI, ['save', '-o', join(dir, 'image.tar'), tag], { env });
  await runTool('tar', ['-xf', join(dir, 'image.tar'), '-C', dir]);
  const [manifest] = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Array<{
    Config: string;
    Layers: string[];
  }>;
  const layers = manifest!.Layers.map((l) => () => createReadStream(join(dir, l)));
  const listing = await flattenLayers(layers, IMAGE_IGNORED_PATHS);
  // The config blob exactly as the daemon stores it (docker save copies it verbatim): the
  // Docker-only fields (Healthcheck, Shell, OnBuild) are there, unlike in an OCI-converted copy.
  let config = normaliseConfig(JSON.parse(await readFile(join(dir, manifest!.Config), 'utf8')));
  const patchFile = join(equivalent, 'expect-patch.json');
  if (existsSync(patchFile)) config = patchConfig(config, JSON.parse(await readFile(patchFile, 'utf8')));
  // Cross-check the flattening against Docker's own view of the image's root filesystem.
  const exported = await exportListing(d, tag);
  const inImage = await flattenLayers(layers, [...DOCKER_CONTAINER_PATHS, ...IMAGE_IGNORED_PATHS]);
  // A container's init layer adds /etc, /dev, /proc, /sys when the image has none (FROM scratch).
  for (const p of ['/etc', '/dev', '/proc', '/sys']) if (!inImage.has(p)) exported.delete(p);
  await rm(dir, { recursive: true, force: true });
  return {
    builtFrom,
    listing: [...listing.values()],
    config,
    flattenVsExport: diffListings(inImage, exported, ['layers', 'docker export']),
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Docker's result for every fixture (`{name, dir}`), from the cache or built now on one private
 * dockerd (started only on a cache miss, stopped before returning). A failed Docker build
 * rejects with the fixture name and Docker's output.
 */
export async function dockerFixtureResults(
  fixtures: Array<{ name: string; dir: string }>,
): Promise<Map<string, DockerFixtureResult>> {
  const version = (await runTool('dockerd', ['--version'])).trim();
  const cacheDir = dockerBuildCacheDir();
  await mkdir(cacheDir, { recursive: true });
  const results = new Map<string, DockerFixtureResult>();
  const missing: Array<{ name: string; dir: string; file: string }> = [];
  for (const f of fixtures) {
    const file = join(cacheDir, `${f.name}-${await cacheKey(f.dir, f.name, version)}.json`);
    const cached = await readFile(file, 'utf8').catch(() => undefined);
    if (cached) results.set(f.name, JSON.parse(cached) as DockerFixtureResult);
    else missing.push({ ...f, file });
  }
  if (missing.length === 0) return results;
  const work = await mkdtemp(join(tmpdir(), 'docker-conformance-'));
  onCleanup(() => rm(work, { recursive: true, force: true }));
  const d = await startDockerd(join(work, 'dockerd'));
  onCleanup(() => d.stop());
  try {
    const busybox = await baseImage('busybox');
    await runTool('skopeo', [
      'copy',
      '--quiet',
      `--dest-daemon-host=${d.host}`,
      busybox.ociRef,
      'docker-daemon:busybox:latest',
    ]);
    await mapLimit(missing, 3, async (f) => {
      const result = await buildOne(d, f.dir, f.name, join(work, 'images')).catch((err: Error) => {
        throw new Error(`docker build of fixture ${f.name} failed: ${err.message}`);
      });
      const tmp = `${f.file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(result));
      await rename(tmp, f.file);
      results.set(f.name, result);
    });
  } finally {
    await d.stop();
  }
  return results;
}

export { diffConfigs };
