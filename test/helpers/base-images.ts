import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../../lib/log.js';
import { runTool } from '../../lib/proc.js';
import { withFileLock } from './file-lock.js';
import {
  addDirLayer,
  type BaseConfig,
  finishLayout,
  initLayout,
  type LayoutLayer,
  shareLayer,
} from './oci-layout.js';
import { requireBinary, requireRoot } from './requirements.js';
import {
  debianMirror,
  installedPackages,
  makeBusyboxRootfs,
  makeDebianRootfs,
  makeGeneratedLayer,
  suiteRelease,
} from './rootfs-recipes.js';

/**
 * Base images for tests and benches, made locally (no public registry is reachable):
 * - `busybox`: busybox-static, one layer; users root, builder (1000), nobody (65534);
 * - `debian`: `debootstrap --variant=minbase bookworm` from the host's apt mirror, one layer;
 * - `bench5`: debian plus four generated ~32 MiB layers (~200 MiB, 5 layers) for bench/pull-push.
 * Each is an OCI image layout (tag `latest`) cached under imageCacheRoot() in a directory named
 * by a hash of its inputs. Building happens once per machine: under a flock, into a temp dir
 * renamed into place, so concurrent processes never see or make a half-built image. The cache
 * is shared and read-only for callers: copy before modifying anything in it.
 */
export type BaseImageName = 'busybox' | 'debian' | 'bench5';

export interface BaseImage {
  name: BaseImageName;
  /** The OCI image layout directory (for `skopeo copy oci:<layoutDir>:latest`). */
  layoutDir: string;
  tag: 'latest';
  /** `oci:<layoutDir>:latest`, skopeo's source reference. */
  ociRef: string;
  manifestDigest: string;
  /** The unpacked root filesystem the single-layer images were made from (absent for bench5). */
  rootfsDir?: string;
}

const RECIPE_VERSION = 1;
const SUITE = 'bookworm';

/** Where built images are cached: $SLIPWAY_TEST_IMAGE_CACHE or /var/cache/slipway-test/images. */
export function imageCacheRoot(): string {
  return process.env.SLIPWAY_TEST_IMAGE_CACHE ?? '/var/cache/slipway-test/images';
}

async function packageVersion(pkg: string): Promise<string> {
  return (await runTool('dpkg-query', ['-W', `-f=\${Version}`, pkg])).trim();
}

/**
 * What makes an image, hashed into its cache key. For Debian that includes the suite's
 * release on the mirror (a point release changes package versions); `complete` is false when
 * the mirror cannot be asked, and then the newest cached build is used instead.
 */
async function inputsOf(
  name: BaseImageName,
): Promise<{ inputs: Record<string, unknown>; complete: boolean }> {
  if (name === 'busybox')
    return {
      inputs: { recipe: RECIPE_VERSION, name, busybox: await packageVersion('busybox-static') },
      complete: true,
    };
  const mirror = await debianMirror();
  const release = await suiteRelease(mirror, SUITE);
  const debian = {
    recipe: RECIPE_VERSION,
    name: 'debian',
    suite: SUITE,
    release,
    mirror,
    debootstrap: await packageVersion('debootstrap'),
  };
  const inputs =
    name === 'debian' ? debian : { recipe: RECIPE_VERSION, name, base: debian, generatedLayers: 4 };
  return { inputs, complete: release !== undefined };
}

/** The most recently built cache entry of `name`, if any. */
async function newestEntry(root: string, name: BaseImageName): Promise<string | undefined> {
  const entries = (await readdir(root).catch(() => [] as string[])).filter((e) =>
    /^[a-z0-9]+-[0-9a-f]{16}$/.test(e),
  );
  const mine = await Promise.all(
    entries
      .filter((e) => e.startsWith(`${name}-`))
      .map(async (e) => ({ e, t: (await stat(join(root, e))).mtimeMs })),
  );
  const newest = mine.sort((a, b) => b.t - a.t)[0];
  return newest && join(root, newest.e);
}

const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

/** Returns the cache entry dir for `name`, building it (once, under a lock) when absent. */
async function cachedEntry(name: BaseImageName, build: (dir: string) => Promise<void>): Promise<string> {
  const { inputs, complete } = await inputsOf(name);
  const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
  const root = imageCacheRoot();
  if (!complete) {
    const fallback = await newestEntry(root, name);
    if (fallback) return fallback;
  }
  const entry = join(root, `${name}-${key}`);
  if (await exists(entry)) return entry;
  return await withFileLock(join(root, '.locks', `${name}.lock`), async () => {
    if (await exists(entry)) return entry;
    const tmp = join(root, `.build-${name}-${randomBytes(6).toString('hex')}`);
    log
      .child({ module: 'test/base-images' })
      .info({ name, entry }, 'building base image (cached afterwards)');
    await mkdir(tmp, { recursive: true });
    try {
      await build(tmp);
      await writeFile(join(tmp, 'inputs.json'), JSON.stringify(inputs, null, 2));
      await rename(tmp, entry);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return entry;
  });
}

const CONFIGS: Record<BaseImageName, BaseConfig> = {
  busybox: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  debian: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
  bench5: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
};

async function buildSingleLayer(name: 'busybox' | 'debian', dir: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(rootfs, { mode: 0o755 });
  if (name === 'busybox') await makeBusyboxRootfs(rootfs);
  else {
    await makeDebianRootfs(rootfs, SUITE, await debianMirror(), join(imageCacheRoot(), '.debootstrap-debs'));
    await writeFile(join(dir, 'packages.txt'), await installedPackages(rootfs));
  }
  const layout = join(dir, 'oci');
  await initLayout(layout);
  const layer = await addDirLayer(layout, rootfs, `slipway test recipe: ${name}`);
  await writeFile(join(dir, 'layers.json'), JSON.stringify([layer]));
  await finishLayout(layout, [layer], CONFIGS[name]);
}

async function buildBench5(dir: string): Promise<void> {
  const debian = await baseImage('debian');
  const layout = join(dir, 'oci');
  await initLayout(layout);
  const [debianLayer] = JSON.parse(
    await readFile(join(debian.layoutDir, '..', 'layers.json'), 'utf8'),
  ) as LayoutLayer[];
  const layers = [await shareLayer(debian.layoutDir, layout, debianLayer!)];
  for (let n = 1; n <= 4; n++) {
    const src = join(dir, `gen-${n}`);
    await makeGeneratedLayer(src, n);
    layers.push(await addDirLayer(layout, src, `generated layer ${n}`));
    await rm(src, { recursive: true });
  }
  await writeFile(join(dir, 'layers.json'), JSON.stringify(layers));
  await finishLayout(layout, layers, CONFIGS.bench5);
}

const memo = new Map<BaseImageName, Promise<BaseImage>>();

/** The named base image, from the cache or built now (busybox: seconds; debian: minutes). */
export function baseImage(name: BaseImageName): Promise<BaseImage> {
  let p = memo.get(name);
  if (!p) {
    p = (async () => {
      requireRoot();
      if (name !== 'busybox') requireBinary('debootstrap', 'debootstrap');
      const entry = await cachedEntry(name, (dir) =>
        name === 'bench5' ? buildBench5(dir) : buildSingleLayer(name, dir),
      );
      const layoutDir = join(entry, 'oci');
      const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as {
        manifests: Array<{ digest: string }>;
      };
      return {
        name,
        layoutDir,
        tag: 'latest' as const,
        ociRef: `oci:${layoutDir}:latest`,
        manifestDigest: index.manifests[0]!.digest,
        ...(name === 'bench5' ? {} : { rootfsDir: join(entry, 'rootfs') }),
      };
    })();
    p.catch(() => memo.delete(name));
    memo.set(name, p);
  }
  return p;
}

/**
 * The unpacked root filesystem of the busybox or debian image (owners and modes as in the
 * image). Shared and cached: treat it as read-only (use it as an overlay lowerdir, or copy it).
 */
export async function baseRootfs(name: 'busybox' | 'debian'): Promise<string> {
  return (await baseImage(name)).rootfsDir!;
}

/**
 * Copies a base image to `registryHost` (plain HTTP) with skopeo as `<repo>:<tag>` (repo
 * defaults to the image name) and returns the full reference, e.g. `127.0.0.1:5000/busybox:latest`.
 * `format: 'v2s2'` converts to Docker schema2 on the way.
 */
export async function pushBaseImage(
  name: BaseImageName,
  registryHost: string,
  opts: {
    repo?: string;
    tag?: string;
    format?: 'oci' | 'v2s2';
    creds?: { username: string; password: string };
  } = {},
): Promise<string> {
  requireBinary('skopeo', 'skopeo');
  const image = await baseImage(name);
  const ref = `${registryHost}/${opts.repo ?? name}:${opts.tag ?? 'latest'}`;
  const args = ['copy', '--quiet', '--dest-tls-verify=false'];
  if (opts.format) args.push(`--format=${opts.format}`);
  if (opts.creds) args.push(`--dest-creds=${opts.creds.username}:${opts.creds.password}`);
  await runTool('skopeo', [...args, image.ociRef, `docker://${ref}`]);
  return ref;
}
