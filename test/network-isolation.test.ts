import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { log } from '../lib/log.js';
import {
  type ContainerNetwork,
  createJobNetwork,
  gcNetworks,
  type JobNetwork,
} from '../runner/runtime/network/index.js';
import { probeFrom, serveIn, serveOnHost } from './helpers/netns-probe.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { uniqueName } from './helpers/tmp.js';

const PORT = 7070;

/** The host's own IPv4 addresses outside Slipway's bridges (eth0 and the like). */
function hostAddresses(): string[] {
  return Object.entries(networkInterfaces()).flatMap(([name, addrs]) =>
    name.startsWith('slw')
      ? []
      : (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address),
  );
}

describe('job networks: isolation', () => {
  let dataDir: string;
  let jobA: JobNetwork;
  let jobB: JobNetwork;
  let aServer: ContainerNetwork;
  let aClient: ContainerNetwork;
  let bClient: ContainerNetwork;
  const children: ChildProcess[] = [];
  const hostServers: Server[] = [];

  before(async () => {
    requireRoot();
    requireBinary('ip', 'iproute2');
    requireBinary('iptables', 'iptables');
    requireBinary('nsenter', 'util-linux');
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-net-'));
    jobA = await createJobNetwork({ jobId: uniqueName('job-a'), dataDir, log });
    jobB = await createJobNetwork({ jobId: uniqueName('job-b'), dataDir, log });
    aServer = await jobA.addContainer({ name: 'server', aliases: ['db'] });
    aClient = await jobA.addContainer({ name: 'client' });
    bClient = await jobB.addContainer({ name: 'client' });
    children.push(await serveIn(aServer.netnsPath, '0.0.0.0', PORT, 'hello-from-a'));
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const s of hostServers) s.close();
    await jobA?.destroy();
    await jobB?.destroy();
    if (dataDir) await gcNetworks(dataDir, log);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('two containers of one job reach each other by IP, and the hosts file names them', async () => {
    assert.notEqual(aServer.ip, aClient.ip);
    const r = await probeFrom(aClient.netnsPath, aServer.ip, PORT);
    assert.deepEqual([r.connected, r.data.split(' ')[0]], [true, 'hello-from-a']);
    assert.equal(r.data.split(' ')[1], aClient.ip, 'no NAT inside the job');
    assert.match(jobA.hostsFile(), new RegExp(`^${aServer.ip.replaceAll('.', '\\.')}\\tserver db$`, 'm'));
  });

  test('host TCP servers on 127.0.0.1, 0.0.0.0 and :: are unreachable, also through the gateway', async () => {
    const loop = await serveOnHost('127.0.0.1', 'host-loopback');
    const any = await serveOnHost('0.0.0.0', 'host-any');
    const dual = await serveOnHost('::', 'host-dual');
    hostServers.push(loop.server, any.server, dual.server);
    const targets: Array<[string, number]> = [
      ['127.0.0.1', loop.port],
      ['127.0.0.1', any.port],
      [jobA.gateway, loop.port],
      [jobA.gateway, any.port],
      [jobA.gateway, dual.port],
      [jobB.gateway, any.port],
      ...hostAddresses().map((ip): [string, number] => [ip, any.port]),
    ];
    const results = await Promise.all(targets.map(([h, p]) => probeFrom(aClient.netnsPath, h, p)));
    for (const [i, r] of results.entries()) {
      assert.equal(r.connected, false, `reached the host at ${targets[i]!.join(':')}: ${r.data}`);
      assert.equal(r.data, '');
    }
    // The same servers answer the host itself: the refusal above is the job's isolation.
    const own = await probeFrom('/proc/self/ns/net', jobA.gateway, any.port);
    assert.equal(own.connected, true);
  });

  test('another job cannot reach the containers of a job, in either direction', async () => {
    const fromB = await probeFrom(bClient.netnsPath, aServer.ip, PORT);
    assert.equal(fromB.connected, false, `job B reached job A's service: ${fromB.data}`);
    children.push(await serveIn(bClient.netnsPath, '0.0.0.0', PORT, 'hello-from-b'));
    const fromA = await probeFrom(aClient.netnsPath, bClient.ip, PORT);
    assert.equal(fromA.connected, false, `job A reached job B's service: ${fromA.data}`);
  });

  test('the host can open connections to the service of a job (readiness probes)', async () => {
    const r = await probeFrom('/proc/self/ns/net', aServer.ip, PORT);
    assert.deepEqual([r.connected, r.data.split(' ')[0]], [true, 'hello-from-a']);
  });

  test('container names are validated before they reach /etc/hosts', async () => {
    await assert.rejects(jobA.addContainer({ name: 'evil\n10.0.0.1 registry' }), /letters, digits/);
    await assert.rejects(jobA.addContainer({ name: 'ok', aliases: ['a b'] }), /letters, digits/);
    await assert.rejects(jobA.addContainer({ name: 'server' }), /already on the job network/);
  });
});
