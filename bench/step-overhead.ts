// Per-container overhead of a `true` step: Slipway's Runtime (runc, crun) vs a bare `runc run`
// of a prepared bundle vs `docker run --rm` on a private dockerd. Prints median times and ratios.
// Usage (as root): npx tsx bench/step-overhead.ts [--steps 50]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundleConfig, hostsFile } from '../runner/runtime/bundle.js';
import { gcRuntime } from '../runner/runtime/gc.js';
import { DEFAULT_CAPS } from '../runner/runtime/hardening.js';
import { MemoryLogSink } from '../runner/runtime/log-sink.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import {
  dockerToOciSeccomp,
  loadDockerSeccompProfile,
  restrictNamespaces,
} from '../runner/runtime/seccomp.js';
import { baseRootfs } from '../test/helpers/base-images.js';
import { startDockerd } from '../test/helpers/dockerd.js';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 50;
const WARMUP = 3;

function exec(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(0) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`)),
    );
    child.stdin.end(opts.input ?? '');
  });
}

async function measure(label: string, once: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    await once();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const p90 = times[Math.floor(times.length * 0.9)] as number;
  console.log(
    `${label.padEnd(34)} median ${median.toFixed(1).padStart(7)} ms   p90 ${p90.toFixed(1).padStart(7)} ms   (${steps} runs)`,
  );
  return median;
}

async function runtimeBench(binary: string, dir: string, rootfs: string): Promise<number> {
  const dataDir = join(dir, `data-${binary}`);
  const rt = createRuntime({ dataDir, binary });
  const job = await rt.prepareJob({ id: 'bench', network: 'none' });
  try {
    return await measure(`Runtime (${binary})`, async () => {
      const r = await rt.run(
        job,
        { name: 'step', lowerDirs: [rootfs], args: ['true'] },
        { sink: new MemoryLogSink() },
      );
      if (r.exitCode !== 0) throw new Error(`step failed: ${JSON.stringify(r)}`);
    });
  } finally {
    await rt.destroyJob(job);
    await gcRuntime(dataDir);
  }
}

/** `runc spec`'s default bundle: no seccomp, no cgroup namespace, the root fs used directly. */
async function defaultBundle(bundle: string, rootfs: string): Promise<void> {
  await mkdir(bundle, { recursive: true });
  await exec('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['true'];
  config.root = { path: rootfs, readonly: true };
  await writeFile(join(bundle, 'config.json'), JSON.stringify(config));
}

/** The bundle the Runtime generates (same hardening: caps, seccomp, masks, cgroup), prepared once. */
async function hardenedBundle(bundle: string, rootfs: string): Promise<void> {
  await mkdir(bundle, { recursive: true });
  await writeFile(join(bundle, 'hosts'), hostsFile('bench', undefined));
  await writeFile(join(bundle, 'resolv.conf'), '');
  const config = buildBundleConfig({
    spec: { name: 'bench', lowerDirs: [rootfs], args: ['true'] },
    rootfs,
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    cwd: '/',
    hostname: 'bench',
    hostsFile: join(bundle, 'hosts'),
    resolvFile: join(bundle, 'resolv.conf'),
    cgroupsPath: '/slipway-bench',
    seccomp: restrictNamespaces(
      dockerToOciSeccomp(await loadDockerSeccompProfile(), DEFAULT_CAPS),
      DEFAULT_CAPS,
    ),
    runcSetsMemory: true,
  });
  await writeFile(
    join(bundle, 'config.json'),
    JSON.stringify({ ...config, root: { path: rootfs, readonly: true } }),
  );
}

async function bareRuncBench(label: string, bundle: string, state: string): Promise<number> {
  let n = 0;
  return measure(label, () => exec('runc', ['--root', state, 'run', '--bundle', bundle, `bare-${n++}`]));
}

async function dockerBench(dir: string, rootfs: string): Promise<number | undefined> {
  const dockerd = await startDockerd(join(dir, 'dockerd')).catch((err: Error) => {
    console.log(`docker run --rm: skipped, dockerd did not start: ${err.message.split('\n')[0]}`);
    return undefined;
  });
  if (!dockerd) return undefined;
  try {
    const tarball = join(dir, 'busybox.tar');
    await exec('tar', ['-C', rootfs, '-cf', tarball, '.']);
    await exec('docker', ['import', tarball, 'slipway-bench/busybox:latest'], { env: dockerd.env });
    return await measure('docker run --rm --network none', () =>
      exec('docker', ['run', '--rm', '--network', 'none', 'slipway-bench/busybox:latest', 'true'], {
        env: dockerd.env,
      }),
    );
  } finally {
    await dockerd.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-steps-'));
try {
  const rootfs = await baseRootfs('busybox');
  await defaultBundle(join(dir, 'bundle-default'), rootfs);
  await hardenedBundle(join(dir, 'bundle-hardened'), rootfs);
  const bareDefault = await bareRuncBench(
    'bare `runc run`, `runc spec` bundle',
    join(dir, 'bundle-default'),
    join(dir, 'state'),
  );
  const bare = await bareRuncBench(
    'bare `runc run`, Slipway bundle',
    join(dir, 'bundle-hardened'),
    join(dir, 'state'),
  );
  const viaRunc = await runtimeBench('runc', dir, rootfs);
  const viaCrun = await runtimeBench('crun', dir, rootfs);
  const docker = await dockerBench(dir, rootfs);
  console.log('');
  console.log(
    `Runtime(runc) / bare runc (same bundle)   = ${(viaRunc / bare).toFixed(2)}x   (target <= 1.5x)`,
  );
  console.log(
    `Runtime(runc) / bare runc (runc spec)    = ${(viaRunc / bareDefault).toFixed(2)}x   (no seccomp, no cgroupns there)`,
  );
  console.log(`Runtime(crun) / bare runc (same bundle)  = ${(viaCrun / bare).toFixed(2)}x`);
  if (docker !== undefined) {
    console.log(
      `docker run / Runtime(runc)               = ${(docker / viaRunc).toFixed(2)}x faster   (target >= 5x)`,
    );
    console.log(`docker run / Runtime(crun)               = ${(docker / viaCrun).toFixed(2)}x faster`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
