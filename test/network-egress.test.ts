import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { log } from '../lib/log.js';
import { runTool, tryTool } from '../lib/proc.js';
import { createJobNetwork, gcNetworks, type JobNetwork } from '../runner/runtime/network/index.js';
import { probeFrom, serveIn } from './helpers/netns-probe.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { uniqueName } from './helpers/tmp.js';

// An "outside" netns behind a veth, reachable from the host on TEST-NET-3 (203.0.113.2 and .3)
// and on a link-local address (169.254.77.2, standing in for a cloud metadata endpoint).
// Every address here belongs to a netns this test makes; nothing leaves the machine.
const suffix = randomBytes(3).toString('hex');
const OUTSIDE_NS = `nwtest-egress-${suffix}`;
const HOST_END = `nwe${suffix}`;
const OUTSIDE_END = `nwf${suffix}`;
const PORT = 8080;
let dataDir = '';
let server: ChildProcess | undefined;
const jobs: JobNetwork[] = [];

before(async () => {
  requireRoot();
  requireBinary('ip', 'iproute2');
  requireBinary('nsenter', 'util-linux');
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-egress-'));
  await runTool('ip', ['netns', 'add', OUTSIDE_NS]);
  await runTool('ip', ['link', 'add', HOST_END, 'type', 'veth', 'peer', 'name', OUTSIDE_END]);
  await runTool('ip', ['link', 'set', OUTSIDE_END, 'netns', OUTSIDE_NS]);
  await runTool('ip', ['addr', 'add', '203.0.113.1/24', 'dev', HOST_END]);
  await runTool('ip', ['addr', 'add', '169.254.77.1/30', 'dev', HOST_END]);
  await runTool('ip', ['link', 'set', HOST_END, 'up']);
  for (const args of [
    ['addr', 'add', '203.0.113.2/24', 'dev', OUTSIDE_END],
    ['addr', 'add', '203.0.113.3/24', 'dev', OUTSIDE_END],
    ['addr', 'add', '169.254.77.2/30', 'dev', OUTSIDE_END],
    ['link', 'set', OUTSIDE_END, 'up'],
    ['link', 'set', 'lo', 'up'],
  ]) {
    await runTool('ip', ['-n', OUTSIDE_NS, ...args]);
  }
  server = await serveIn(`/run/netns/${OUTSIDE_NS}`, '0.0.0.0', PORT, 'outside');
});

after(async () => {
  server?.kill('SIGKILL');
  for (const j of jobs) await j.destroy();
  if (dataDir) await gcNetworks(dataDir, log);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await tryTool('ip', ['netns', 'del', OUTSIDE_NS]);
  await tryTool('ip', ['link', 'del', HOST_END]);
});

/** A step's view: which of `hosts` it can open a TCP connection to. */
async function reachable(egress: Parameters<typeof createJobNetwork>[0]['egress'], hosts: string[]) {
  const job = await createJobNetwork({
    jobId: uniqueName('egress'),
    dataDir,
    log,
    ...(egress ? { egress } : {}),
  });
  jobs.push(job);
  const step = await job.addContainer({ name: 'step' });
  const out: Record<string, boolean> = {};
  for (const h of hosts) out[h] = (await probeFrom(step.netnsPath, h, PORT)).connected;
  return out;
}

test('by default a step reaches the outside but no link-local address (cloud metadata)', async () => {
  const greeting = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '169.254.77.2', port: PORT }, () => s.on('data', (b) => resolve(String(b))));
    s.on('error', reject);
  });
  assert.match(greeting, /^outside/, 'the host itself reaches the link-local server');
  assert.deepEqual(await reachable(undefined, ['203.0.113.2', '169.254.77.2']), {
    '203.0.113.2': true,
    '169.254.77.2': false,
  });
});

test('an egress deny list keeps steps from the ranges it names', async () => {
  assert.deepEqual(await reachable({ deny: ['203.0.113.3/32'] }, ['203.0.113.2', '203.0.113.3']), {
    '203.0.113.2': true,
    '203.0.113.3': false,
  });
});

test('an egress allow list lets steps reach only the ranges it names', async () => {
  assert.deepEqual(
    await reachable({ allow: ['203.0.113.2/32'] }, ['203.0.113.2', '203.0.113.3', '169.254.77.2']),
    {
      '203.0.113.2': true,
      '203.0.113.3': false,
      '169.254.77.2': false,
    },
  );
});

test('egress rules leave with the job', async () => {
  const { listRulesByLabel } = await import('../runner/runtime/network/firewall.js');
  const { dataDirOwnerPrefix } = await import('../runner/runtime/network/names.js');
  for (const j of jobs.splice(0)) await j.destroy();
  assert.deepEqual(await listRulesByLabel(dataDirOwnerPrefix(dataDir)), []);
});
