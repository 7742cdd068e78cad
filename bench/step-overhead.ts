// Per-container overhead of a `true` step: Slipway's Runtime (runc, crun) vs a bare `runc run`
// of a prepared bundle vs `docker run --rm` on a private dockerd. Prints median times and ratios.
// The Runtime's default seccomp filter covers the native (x86_64) ABI only; `compat syscalls`
// also loads the i386/x32 rules as Docker does, which costs runc ~15-20 ms per container.
// `userns` rows run with --userns (root mapped to host 100000+65536: idmapped image layers).
// Usage (as root): npx tsx bench/step-overhead.ts [--steps 50]
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../lib/proc.js';
import { buildBundleConfig, hostsFile } from '../runner/runtime/bundle.js';
import { DEFAULT_CAPS } from '../runner/runtime/hardening.js';
import { DEFAULT_JOB_DISK_BYTES } from '../runner/runtime/index.js';
import {
  dockerToOciSeccomp,
  loadDockerSeccompProfile,
  restrictNamespaces,
} from '../runner/runtime/seccomp.js';
import { baseRootfs } from '../test/helpers/base-images.js';
import { startDockerd } from '../test/helpers/dockerd.js';
import { type Contender, runtimeContender } from './lib/runtime-contender.js';

const steps = Number(process.argv[process.argv.indexOf('--steps') + 1]) || 50;
const WARMUP = 3;

/**
 * Runs every contender once per round, in turn, for WARMUP + steps rounds: interleaving keeps
 * the ratios fair on a shared machine whose load drifts. Returns each contender's median.
 */
async function measureInterleaved(contenders: Contender[]): Promise<Map<string, number>> {
  for (let i = 0; i < WARMUP + steps; i++) {
    for (const c of contenders) {
      const t = performance.now();
      await c.once(i);
      if (i >= WARMUP) c.times.push(performance.now() - t);
    }
  }
  const medians = new Map<string, number>();
  for (const c of contenders) {
    const times = [...c.times].sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    const p90 = times[Math.floor(times.length * 0.9)] as number;
    console.log(
      `${c.label.padEnd(36)} median ${median.toFixed(1).padStart(7)} ms   p90 ${p90.toFixed(1).padStart(7)} ms   (${times.length} runs)`,
    );
    medians.set(c.label, median);
  }
  return medians;
}

/** 50 sequential steps of one job, each its own container (`step-<n>`), as a pipeline runs them. */
/** `runc spec`'s default bundle: no seccomp, no cgroup namespace, the root fs used directly. */
async function defaultBundle(bundle: string, rootfs: string): Promise<void> {
  await mkdir(bundle, { recursive: true });
  await runTool('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['true'];
  config.root = { path: rootfs, readonly: true };
  await writeFile(join(bundle, 'config.json'), JSON.stringify(config));
}

/** The bundle the Runtime generates by default (same hardening: caps, seccomp, masks, cgroup), prepared once. */
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

function bareRunc(label: string, bundle: string, state: string): Contender {
  return {
    label,
    times: [],
    once: (i) => runTool('runc', ['--root', state, 'run', '--bundle', bundle, `bare-${i}`]),
  };
}

async function dockerContender(
  dir: string,
  rootfs: string,
): Promise<(Contender & { close(): Promise<void> }) | undefined> {
  const dockerd = await startDockerd(join(dir, 'dockerd')).catch((err: Error) => {
    console.log(`docker run --rm: not measured, dockerd did not start: ${err.message.split('\n')[0]}`);
    return undefined;
  });
  if (!dockerd) return undefined;
  const tarball = join(dir, 'busybox.tar');
  await runTool('tar', ['-C', rootfs, '-cf', tarball, '.']);
  await runTool('docker', ['import', tarball, 'slipway-bench/busybox:latest'], { env: dockerd.env });
  return {
    label: 'docker run --rm --network none',
    times: [],
    once: () =>
      runTool('docker', ['run', '--rm', '--network', 'none', 'slipway-bench/busybox:latest', 'true'], {
        env: dockerd.env,
      }),
    close: () => dockerd.stop(),
  };
}

const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-steps-'));
await chmod(dir, 0o711); // --userns: the mapped root must search the dirs above a data dir
const closers: Array<() => Promise<void>> = [];
try {
  const rootfs = await baseRootfs('busybox');
  await defaultBundle(join(dir, 'bundle-default'), rootfs);
  await hardenedBundle(join(dir, 'bundle-hardened'), rootfs);
  const contenders: Contender[] = [
    bareRunc('bare `runc run`, `runc spec` bundle', join(dir, 'bundle-default'), join(dir, 'state')),
    bareRunc('bare `runc run`, Slipway bundle', join(dir, 'bundle-hardened'), join(dir, 'state')),
  ];
  // The last one loads Docker's full filter (i386 and x32 ABIs too), as docker run does.
  for (const [binary, compat] of [
    ['runc', false],
    ['crun', false],
    ['runc', true],
  ] as const) {
    const c = await runtimeContender(binary, dir, rootfs, compat);
    closers.push(c.close);
    contenders.push(c);
  }
  // Upper dirs on the job's disk (a loop-mounted ext4), as `slipway exec` runs steps.
  const onDisk = await runtimeContender('runc', dir, rootfs, false, DEFAULT_JOB_DISK_BYTES);
  closers.push(onDisk.close);
  contenders.push(onDisk);
  // --userns: idmapped layers (no shifted copy); with a bridge, the job netns's sysfs is mounted too.
  for (const [binary, disk, extra] of [
    ['runc', undefined, { userns: true }],
    ['crun', undefined, { userns: true }],
    ['runc', DEFAULT_JOB_DISK_BYTES, { network: 'bridge' }],
    ['runc', DEFAULT_JOB_DISK_BYTES, { network: 'bridge', userns: true }],
  ] as const) {
    const c = await runtimeContender(binary, dir, rootfs, false, disk, extra);
    closers.push(c.close);
    contenders.push(c);
  }
  const docker = await dockerContender(dir, rootfs);
  if (docker) {
    closers.push(docker.close);
    contenders.push(docker);
  }
  console.log(
    `${steps} sequential \`true\` containers per contender, interleaved round by round (+${WARMUP} warm-up)\n`,
  );
  const m = await measureInterleaved(contenders);
  const get = (label: string) => m.get(label) as number;
  const bareSpec = get('bare `runc run`, `runc spec` bundle');
  const bare = get('bare `runc run`, Slipway bundle');
  const viaRunc = get('Runtime (runc)');
  const viaCrun = get('Runtime (crun)');
  const viaRuncCompat = get('Runtime (runc, compat syscalls)');
  console.log('');
  console.log(
    `Runtime(runc) / bare runc, same bundle     = ${(viaRunc / bare).toFixed(2)}x   (target <= 1.5x)`,
  );
  console.log(
    `Runtime(runc) / bare runc, runc spec       = ${(viaRunc / bareSpec).toFixed(2)}x   (that bundle has no seccomp, no cgroupns)`,
  );
  console.log(`Runtime(crun) / bare runc, same bundle     = ${(viaCrun / bare).toFixed(2)}x`);
  console.log(
    `Runtime(runc, job disk) / Runtime(runc)    = ${(get('Runtime (runc, job disk)') / viaRunc).toFixed(2)}x`,
  );
  console.log(
    `Runtime(runc, userns) / Runtime(runc)      = ${(get('Runtime (runc, userns)') / viaRunc).toFixed(2)}x`,
  );
  console.log(
    `Runtime(crun, userns) / Runtime(crun)      = ${(get('Runtime (crun, userns)') / viaCrun).toFixed(2)}x`,
  );
  console.log(
    `with job disk + bridge: userns / without   = ${(get('Runtime (runc, job disk, bridge, userns)') / get('Runtime (runc, job disk, bridge)')).toFixed(2)}x   (as slipway exec runs steps)`,
  );
  const dockerMedian = m.get('docker run --rm --network none');
  if (dockerMedian !== undefined) {
    console.log(
      `docker run vs Runtime(runc)                = ${(dockerMedian / viaRunc).toFixed(2)}x faster   (target >= 5x)`,
    );
    console.log(
      `docker run vs Runtime(crun)                = ${(dockerMedian / viaCrun).toFixed(2)}x faster`,
    );
    console.log(
      `docker run vs Runtime(runc, compat)        = ${(dockerMedian / viaRuncCompat).toFixed(2)}x faster   (Docker's filter width: i386 + x32 ABIs too)`,
    );
  }
} finally {
  for (const close of closers.reverse()) await close().catch((err) => console.error(err));
  await rm(dir, { recursive: true, force: true });
}
