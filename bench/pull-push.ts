// Pull and push of a ~200 MB, 5-layer image (Debian minbase + 4 generated layers) against a
// local docker-registry: Slipway's pull/push vs `skopeo copy`, medians of several runs, ratios.
// Every pull goes into an empty store/layout; every push goes to a fresh, empty registry (so
// no cross-repo mount or existing blob can help either side).
// Each round waits (up to a minute) for the machine to be quiet (< 20% CPU busy) first, and
// says how busy it was; medians of the counted runs and the ratios Slipway/skopeo are printed.
// Usage (as root): npx tsx bench/pull-push.ts [--runs 7]   (one uncounted warm-up round first)
import './lib/quiet-logs.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedRegistry, startRegistry } from '../lib/daemons/registry.js';
import { freePort } from '../lib/net.js';
import { runTool } from '../lib/proc.js';
import { openImageStore, pull, push } from '../runner/oci/index.js';
import { RegistryClient } from '../runner/oci/registry/client.js';
import { credentialLookup } from '../runner/oci/registry/credentials.js';
import { baseImage, pushBaseImage } from '../test/helpers/base-images.js';
import { loadLine, waitForQuiet } from './lib/quiet-machine.js';
import { formatRatio, formatSample, type Sample, timed } from './lib/timing.js';

const runsArg = process.argv.indexOf('--runs');
const runs = Math.max(1, (runsArg > 0 && Number(process.argv[runsArg + 1])) || 7);
const scratch = await mkdtemp(join(tmpdir(), 'slipway-bench-pull-push-'));
const registries: EmbeddedRegistry[] = [];
const client = () =>
  new RegistryClient({ credentials: credentialLookup({ slipway: {}, dockerConfig: false }) });

/** A new empty registry; its stop() also deletes its storage. */
async function freshRegistry(): Promise<EmbeddedRegistry> {
  const dataDir = await mkdtemp(join(scratch, 'registry-'));
  const started = await startRegistry({ dataDir, port: await freePort() });
  const reg = {
    ...started,
    stop: async () => {
      await started.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  registries.push(reg);
  return reg;
}

const sample = (label: string): Sample => ({ label, runsMs: [] });

try {
  const image = await baseImage('bench5');
  const source = await freshRegistry();
  const ref = await pushBaseImage('bench5', source.host, { repo: 'bench/source' });
  const manifest = JSON.parse(
    await readFile(join(image.layoutDir, 'blobs/sha256', image.manifestDigest.slice(7)), 'utf8'),
  ) as { layers: Array<{ size: number }> };
  const layers = manifest.layers;
  const mbytes = layers.reduce((n, l) => n + l.size, 0) / 1e6;
  console.log(
    `image ${image.manifestDigest.slice(0, 19)}…  ${layers.length} layers, ${mbytes.toFixed(0)} MB compressed`,
  );
  console.log(`runs: ${runs} each after a warm-up round, alternating which tool goes first`);
  if (runs < 5) console.log('(fewer than 5 runs: the medians are only indicative)');
  console.log(`machine: ${loadLine()}\n`);
  let noisyRounds = 0;

  const pullOurs = sample('slipway pull');
  const pullPeer = sample('skopeo copy docker→oci');
  const pushOurs = sample('slipway push');
  const pushPeer = sample('skopeo copy oci→docker');
  for (let i = -1; i < runs; i++) {
    const calm = await waitForQuiet();
    if (!calm.quiet && i >= 0) noisyRounds++;
    const before = `cpu ${(calm.busy * 100).toFixed(0)}% busy before${calm.waitedMs > 1500 ? `, waited ${(calm.waitedMs / 1000).toFixed(0)} s` : ''}${calm.quiet ? '' : ' (NOT quiet)'}`;
    const storeDir = await mkdtemp(join(scratch, 'store-'));
    const layout = join(await mkdtemp(join(scratch, 'layout-')), 'oci');
    const store = await openImageStore(storeDir);
    const pulls = [
      async () => pullOurs.runsMs.push(await timed(() => pull(client(), store, ref))),
      async () =>
        pullPeer.runsMs.push(
          await timed(() =>
            runTool('skopeo', [
              'copy',
              '--quiet',
              '--src-tls-verify=false',
              `docker://${ref}`,
              `oci:${layout}:latest`,
            ]),
          ),
        ),
    ];
    for (const step of i % 2 ? pulls.reverse() : pulls) await step();
    if (i < 0) for (const s of [pullOurs, pullPeer]) s.runsMs.length = 0; // warm-up round

    const [oursTarget, peerTarget] = [await freshRegistry(), await freshRegistry()];
    const pushes = [
      async () =>
        pushOurs.runsMs.push(
          await timed(() => push(client(), store, ref, `${oursTarget.host}/bench/pushed:latest`)),
        ),
      async () =>
        pushPeer.runsMs.push(
          await timed(() =>
            runTool('skopeo', [
              'copy',
              '--quiet',
              '--dest-tls-verify=false',
              `oci:${layout}:latest`,
              `docker://${peerTarget.host}/bench/pushed:latest`,
            ]),
          ),
        ),
    ];
    for (const step of i % 2 ? pushes.reverse() : pushes) await step();
    if (i < 0) for (const s of [pushOurs, pushPeer]) s.runsMs.length = 0;
    await Promise.all([oursTarget.stop(), peerTarget.stop()]);
    await Promise.all([rm(storeDir, { recursive: true }), rm(layout, { recursive: true })]);
    console.log(`${i < 0 ? 'warm-up round' : `run ${i + 1}/${runs}`} done (${before})`);
  }

  console.log('');
  for (const s of [pullOurs, pullPeer, pushOurs, pushPeer]) console.log(formatSample(s, mbytes));
  console.log('');
  console.log(formatRatio('pull (cold)', pullOurs, pullPeer));
  console.log(formatRatio('push (empty repo)', pushOurs, pushPeer));
  console.log(
    `\n${noisyRounds ? `${noisyRounds} of ${runs} rounds started on a busy machine` : 'every round started on a quiet machine'}; ${loadLine()}`,
  );
} finally {
  await Promise.all(registries.map((r) => r.stop()));
  await rm(scratch, { recursive: true, force: true });
}
