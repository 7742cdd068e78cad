import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { log } from '../lib/log.js';
import { runTool, tryTool } from '../lib/proc.js';
import { createJobNetwork, gcNetworks, type JobNetwork } from '../runner/runtime/network/index.js';
import { probeFrom, serveIn } from './helpers/netns-probe.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { uniqueName } from './helpers/tmp.js';

// An "outside" host simulated by a netns behind a veth on TEST-NET-2: the job must reach it
// through the runner's NAT, so the outside sees the host's address, never the container's.
const suffix = randomBytes(3).toString('hex');
const OUTSIDE_NS = `nwtest-outside-${suffix}`;
const HOST_END = `nwo${suffix}`;
const OUTSIDE_END = `nwp${suffix}`;
let job: JobNetwork | undefined;
let dataDir = '';
let server: ChildProcess | undefined;

before(async () => {
  requireRoot();
  requireBinary('ip', 'iproute2');
  requireBinary('nsenter', 'util-linux');
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-nat-'));
  await runTool('ip', ['netns', 'add', OUTSIDE_NS]);
  await runTool('ip', ['link', 'add', HOST_END, 'type', 'veth', 'peer', 'name', OUTSIDE_END]);
  await runTool('ip', ['link', 'set', OUTSIDE_END, 'netns', OUTSIDE_NS]);
  await runTool('ip', ['addr', 'add', '198.51.100.1/24', 'dev', HOST_END]);
  await runTool('ip', ['link', 'set', HOST_END, 'up']);
  for (const args of [
    ['addr', 'add', '198.51.100.2/24', 'dev', OUTSIDE_END],
    ['link', 'set', OUTSIDE_END, 'up'],
    ['link', 'set', 'lo', 'up'],
  ]) {
    await runTool('ip', ['-n', OUTSIDE_NS, ...args]);
  }
  server = await serveIn(`/run/netns/${OUTSIDE_NS}`, '198.51.100.2', 8080, 'outside');
});

after(async () => {
  server?.kill('SIGKILL');
  await job?.destroy();
  if (dataDir) await gcNetworks(dataDir, log);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await tryTool('ip', ['netns', 'del', OUTSIDE_NS]);
  await tryTool('ip', ['link', 'del', HOST_END]);
});

test('traffic to the outside leaves through NAT with the host address as source', async () => {
  job = await createJobNetwork({ jobId: uniqueName('nat'), dataDir, log });
  const step = await job.addContainer({ name: 'step' });
  const r = await probeFrom(step.netnsPath, '198.51.100.2', 8080);
  assert.equal(r.connected, true, `no route to the outside: ${r.error}`);
  assert.equal(r.data, 'outside 198.51.100.1', 'the outside sees the host, not the container');
  assert.notEqual(step.ip, '198.51.100.1');
});

test("the job's resolv.conf names the host's upstream resolvers, never a loopback stub", async () => {
  job ??= await createJobNetwork({ jobId: uniqueName('nat'), dataDir, log });
  const conf = await job.resolvConf();
  assert.doesNotMatch(conf, /nameserver (127\.|::1)/);
});
