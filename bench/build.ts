// Dockerfile build times on a Debian base (~10 instructions; a RUN writing 50 MB; a final COPY
// of the context): cold build, unchanged rebuild, rebuild after changing one context file.
// Slipway (buildImage in the runner process, and the `slipway build` CLI) vs `docker build` (legacy builder, private dockerd) vs `buildah bud
// --layers` (overlay storage, chroot isolation, own --root/--runroot), in the same run; medians
// of N rounds and ratios. Targets: unchanged ≤ 1.0× docker, changed-file ≤ 0.8× docker, cold ≤
// 1.0× buildah. Every cold build starts from a fresh store holding only the base image,
// extracted (Slipway: pulled and its layers unpacked, as docker and buildah hold it).
// Labels: `docker` = docker build, legacy builder; `buildah` = buildah bud --layers; `node start`
// = `node -e 0`, the part of every slipway-cli figure that is Node.js's own start.
// Usage (as root): npx tsx bench/build.ts [--runs 3]
import './lib/quiet-logs.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../lib/daemons/registry.js';
import { freePort } from '../lib/net.js';
import { runTool } from '../lib/proc.js';
import { pushBaseImage } from '../test/helpers/base-images.js';
import { startDockerd } from '../test/helpers/dockerd.js';
import { requireBinary, requireRoot } from '../test/helpers/requirements.js';
import {
  type Builder,
  buildahBuilder,
  dockerBuilder,
  slipwayBuilder,
  unmountUnder,
  writeContext,
} from './lib/build-peers.js';
import { formatRatio, formatSample, type Sample, timed } from './lib/timing.js';

const runs = Math.max(3, Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3);
requireRoot();
for (const [bin, pkg] of [
  ['dockerd', 'docker.io'],
  ['buildah', 'buildah'],
  ['skopeo', 'skopeo'],
] as const)
  requireBinary(bin, pkg);

const scratch = await mkdtemp(join(tmpdir(), 'slipway-bench-build-'));
const contextDir = join(scratch, 'context');
await mkdir(join(scratch, 'registry'));
const registry = await startRegistry({ dataDir: join(scratch, 'registry'), port: await freePort() });
const dockerd = await startDockerd(join(scratch, 'dockerd'));
type Scenario = 'cold' | 'unchanged' | 'changed';
const samples = new Map<string, Sample>();
const sample = (b: Builder, s: Scenario) => {
  const key = `${b.label}/${s}`;
  if (!samples.has(key)) samples.set(key, { label: `${b.label} ${s}`, runsMs: [] });
  return samples.get(key)!;
};

try {
  // The CLI runs from its esbuild bundle, as after `npm install`.
  await runTool(process.execPath, [new URL('../scripts/bundle.mjs', import.meta.url).pathname]);
  await writeContext(contextDir);
  const ref = await pushBaseImage('debian', registry.host, { repo: 'bench/debian' });
  const builders = [
    slipwayBuilder(scratch, ref, contextDir, 'runner'),
    slipwayBuilder(scratch, ref, contextDir, 'cli'),
    await dockerBuilder(dockerd, contextDir),
    buildahBuilder(scratch, contextDir),
  ];
  console.log(`bench/build: ${runs} rounds × (cold, unchanged, changed-file) × ${builders.length} builders`);
  for (let round = 1; round <= runs; round++) {
    for (const b of builders) {
      await b.reset();
      sample(b, 'cold').runsMs.push(await timed(() => b.build()));
      sample(b, 'unchanged').runsMs.push(await timed(() => b.build()));
      await writeFile(join(contextDir, 'src', 'file-42.txt'), `changed in round ${round} for ${b.label}\n`);
      sample(b, 'changed').runsMs.push(await timed(() => b.build()));
    }
    console.log(`  round ${round} done`);
  }
  // What no CLI build can go below: a Node.js process that starts and exits (slipway-cli's floor).
  const nodeStart: Sample = { label: 'node start (-e 0)', runsMs: [] };
  for (let i = 0; i < runs; i++)
    nodeStart.runsMs.push(await timed(() => runTool(process.execPath, ['-e', '0'])));
  samples.set('node/start', nodeStart);
  for (const s of samples.values()) console.log(formatSample(s));
  const get = (label: string, s: Scenario) => samples.get(`${label}/${s}`)!;
  const [slipway, slipwayCli, docker, buildah] = builders.map((b) => b.label) as [
    string,
    string,
    string,
    string,
  ];
  for (const ours of [slipway, slipwayCli])
    for (const s of ['cold', 'unchanged', 'changed'] as const) {
      console.log(formatRatio(`${s}: ${ours}/docker`, get(ours, s), get(docker, s)));
      console.log(formatRatio(`${s}: ${ours}/buildah`, get(ours, s), get(buildah, s)));
    }
  console.log('targets: unchanged ≤ 1.00 × docker, changed ≤ 0.80 × docker, cold ≤ 1.00 × buildah');
  console.log(
    '(slipway = in the runner process, as pipeline builds run; slipway-cli adds a Node.js start per build)',
  );
} finally {
  await dockerd.stop();
  await registry.stop();
  await unmountUnder(scratch);
  await rm(scratch, { recursive: true, force: true });
}
