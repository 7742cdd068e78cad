import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTool, spawnOwned, tryTool } from '../../lib/proc.js';
import { onCleanup } from './cleanup.js';
import { requireBinary, requireRoot } from './requirements.js';

/**
 * A private Docker daemon for interop tests and benchmarks (never used by Slipway itself): its
 * own data-root, exec-root, pidfile and unix socket under one directory, no iptables and no
 * bridge (run containers with `--network none`), loopback registries trusted over plain HTTP.
 */
export interface Dockerd {
  /** `unix:///…/docker.sock`, for DOCKER_HOST or skopeo's `--dest-daemon-host`. */
  host: string;
  /** Environment for the docker CLI talking to this daemon (own DOCKER_CONFIG too). */
  env: NodeJS.ProcessEnv;
  /** Runs the docker CLI against this daemon and returns its stdout; rejects on non-zero exit with stderr. */
  docker(...args: string[]): Promise<string>;
  /** Stops the daemon (and its containerd), unmounts and removes everything. Idempotent. */
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Lazily unmounts every mount under `dir` (deepest first): overlay, netns and shm leftovers. */
async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await tryTool('umount', ['-l', p]);
}

/**
 * Starts dockerd in `dir` (created if needed; the caller owns it) and waits until it answers
 * /_ping. The caller must call stop(); testDockerd() does it after the suite.
 */
export async function startDockerd(dir: string): Promise<Dockerd> {
  requireRoot();
  requireBinary('dockerd', 'docker.io');
  requireBinary('docker', 'docker.io');
  for (const d of ['data', 'exec', 'config']) await mkdir(join(dir, d), { recursive: true });
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const proc = spawnOwned(
    'dockerd',
    [
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--bridge=none',
      '--userland-proxy=false',
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `--host=${host}`,
      '--insecure-registry=127.0.0.0/8',
      '--storage-driver=overlay2',
      '--log-level=warn',
    ],
    { name: 'dockerd' },
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const containerdPid = Number(
      await readFile(join(dir, 'exec/containerd/containerd.pid'), 'utf8').catch(() => '0'),
    );
    await proc.stop(30_000);
    // dockerd stops its managed containerd on a clean exit; after a SIGKILL it would linger.
    if (containerdPid > 0) {
      try {
        process.kill(containerdPid, 'SIGKILL');
      } catch {}
    }
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (!(await ping(socket))) {
    if (proc.child.exitCode !== null || Date.now() > deadline) {
      const output = proc.output().trim().split('\n').slice(-10).join('\n');
      await stop();
      throw new Error(`dockerd did not start in ${dir}:\n${output}`);
    }
    await sleep(200);
  }
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'config'), DOCKER_BUILDKIT: '0' };
  return { host, env, docker: (...args) => runTool('docker', args, { env }), stop };
}

/** A private dockerd stopped and removed after the test file, pass or fail. */
export async function testDockerd(): Promise<Dockerd> {
  // Not tempDir(): its removal hook would run before stop(), under a live daemon.
  const d = await startDockerd(await mkdtemp(join(tmpdir(), 'dockerd-')));
  onCleanup(() => d.stop());
  return d;
}
