import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool, tryTool } from '../../lib/proc.js';
import { buildImage } from '../../runner/builder/index.js';
import { openRunnerHost, type RunnerHost } from '../../runner/host.js';
import { ensureImage, formatReference, parseReference, pull } from '../../runner/oci/index.js';
import { baseImage } from '../../test/helpers/base-images.js';
import type { Dockerd } from '../../test/helpers/dockerd.js';

/**
 * The three builders bench/build.ts compares, behind one shape: `reset()` makes the next build
 * cold (fresh store, base image already present and not timed), `build()` is the timed part.
 * Each works only inside its own directory under `scratch`; the caller removes `scratch`.
 */
export interface Builder {
  label: string;
  reset(): Promise<void>;
  build(): Promise<void>;
}

export const BASE_REF = 'debian:bookworm';

const slipwayBin = new URL('../../bin/slipway.mjs', import.meta.url).pathname;

/**
 * Slipway on a fresh data dir whose store got debian by a registry pull, its layers unpacked —
 * as docker and buildah hold their base image extracted after their (untimed) load/pull.
 * `via: 'runner'` builds in this long-lived process with `buildImage`, the way a runner builds a
 * pipeline's `build:` (like dockerd, which the docker CLI only asks); `via: 'cli'` runs the
 * `slipway build` command, paying a Node.js process start per build.
 */
export function slipwayBuilder(
  scratch: string,
  registryRef: string,
  contextDir: string,
  via: 'runner' | 'cli',
): Builder {
  let dataDir = '';
  let host: RunnerHost;
  return {
    label: via === 'cli' ? 'slipway-cli' : 'slipway',
    async reset() {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      dataDir = await mkdtemp(join(scratch, 'slipway-'));
      host = await openRunnerHost({ dataDir, hostRegistries: 'any' });
      const store = host.store;
      const pulled = await pull(await host.registry(), store, registryRef);
      await store.setRef(formatReference(parseReference(BASE_REF)), pulled.manifest);
      const base = await ensureImage(store, host.registry, BASE_REF);
      for (const l of base.layers) await store.unpackLayer(l.descriptor, l.diffID);
    },
    async build() {
      if (via === 'runner') {
        await buildImage({ contextDir, host, tags: ['bench/build:latest'], network: 'none' });
        return;
      }
      const args = [
        'build',
        '--data-dir',
        dataDir,
        '-t',
        'bench/build:latest',
        '--network',
        'none',
        contextDir,
      ];
      await runTool(process.execPath, [slipwayBin, ...args]);
    },
  };
}

/** `docker build` with the legacy builder (DOCKER_BUILDKIT=0) on a private dockerd. */
export async function dockerBuilder(d: Dockerd, contextDir: string): Promise<Builder> {
  const env = { ...d.env, DOCKER_BUILDKIT: '0' };
  const debian = await baseImage('debian');
  await runTool('skopeo', [
    'copy',
    '--quiet',
    `--dest-daemon-host=${d.host}`,
    debian.ociRef,
    `docker-daemon:${BASE_REF}`,
  ]);
  return {
    label: 'docker',
    async reset() {
      // Removing the tag also removes its untagged parents: the legacy builder's whole cache.
      await tryTool('/usr/bin/docker', ['rmi', '-f', 'bench/build:latest'], { env });
      await runTool('/usr/bin/docker', ['image', 'prune', '-f'], { env });
    },
    async build() {
      await runTool(
        '/usr/bin/docker',
        ['build', '--network=none', '-q', '-t', 'bench/build:latest', contextDir],
        { env },
      );
    },
  };
}

/** `buildah bud --layers` (overlay storage, chroot isolation) with its own root and runroot. */
export function buildahBuilder(scratch: string, contextDir: string): Builder {
  let dir = '';
  const global = () => [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    '--storage-driver',
    'overlay',
  ];
  return {
    label: 'buildah',
    async reset() {
      if (dir) {
        await tryTool('buildah', [...global(), 'rm', '--all']);
        await tryTool('buildah', [...global(), 'rmi', '--all', '--force']);
        await unmountUnder(dir);
        await rm(dir, { recursive: true, force: true });
      }
      dir = await mkdtemp(join(scratch, 'buildah-'));
      const debian = await baseImage('debian');
      const id = (await runTool('buildah', [...global(), 'pull', '--quiet', debian.ociRef]))
        .trim()
        .split('\n')
        .pop()!;
      await runTool('buildah', [...global(), 'tag', id, `docker.io/library/${BASE_REF}`]);
    },
    async build() {
      await runTool('buildah', [
        ...global(),
        'bud',
        '--layers',
        '--isolation',
        'chroot',
        '--pull=never',
        '--quiet',
        '-t',
        'bench/build:latest',
        contextDir,
      ]);
    },
  };
}

/** Lazily unmounts whatever buildah's overlay driver left mounted under `dir`. */
export async function unmountUnder(dir: string): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const points = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await tryTool('umount', ['-l', p]);
}

/** Writes the bench's build context: the Dockerfile, 300 small sources and 2 × 1 MiB assets. */
export async function writeContext(dir: string): Promise<void> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(
    join(dir, 'Dockerfile'),
    [
      `FROM ${BASE_REF}`,
      'ENV APP_HOME=/app LANG=C.UTF-8',
      'ARG VERSION=1',
      'RUN mkdir -p /opt/data && head -c 52428800 /dev/urandom > /opt/data/blob.bin',
      'WORKDIR /app',
      'RUN echo "version $VERSION" > /app/version.txt && ls /usr/bin > /app/bins.txt',
      'LABEL org.example.bench=build',
      'EXPOSE 8080',
      'CMD ["bash"]',
      'COPY . /app/src',
      '',
    ].join('\n'),
  );
  for (let i = 0; i < 300; i++)
    await writeFile(join(dir, 'src', `file-${i}.txt`), `source file ${i}\n`.repeat(40));
  for (let i = 0; i < 2; i++) {
    const buf = Buffer.alloc(1 << 20);
    for (let j = 0; j < buf.length; j++) buf[j] = (j * 2654435761 + i * 97) >>> 24;
    await writeFile(join(dir, 'assets', `asset-${i}.bin`), buf);
  }
}
