import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { log } from '../lib/log.js';
import type { JobHandle, Runtime } from '../runner/runtime/index.js';
import { MemoryLogSink } from '../runner/runtime/index.js';
import { gcNetworks } from '../runner/runtime/network/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';
import { serveOnHost } from './helpers/netns-probe.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { makeBusyboxLayers } from './helpers/runtime-rootfs.js';
import { uniqueName } from './helpers/tmp.js';

// End to end through the Runtime: services reached by name, jobs and the host out of reach.
let runtime: Runtime;
let layers: string[];
let dataDir = '';
const jobs: JobHandle[] = [];

before(async () => {
  requireRoot();
  requireBinary('runc', 'runc');
  dataDir = await mkdtemp(join(tmpdir(), 'slipway-netrt-'));
  layers = await makeBusyboxLayers(join(dataDir, 'layers'));
  runtime = createRuntime({ dataDir, log });
});

after(async () => {
  for (const j of jobs) await runtime.destroyJob(j);
  if (dataDir) await gcNetworks(dataDir, log);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function job(): Promise<JobHandle> {
  const j = await runtime.prepareJob({ id: uniqueName('netjob'), network: 'bridge' });
  jobs.push(j);
  return j;
}

/** Runs a busybox script step; returns its exit code and output. */
async function step(j: JobHandle, name: string, script: string): Promise<{ code: number; out: string }> {
  const sink = new MemoryLogSink();
  const r = await runtime.run(j, { name, lowerDirs: layers, script }, { sink, timeoutMs: 20_000 });
  return { code: r.exitCode, out: sink.text() };
}

// Tries `nc host port` up to `tries` times (1 s connect timeout each); prints what it got.
const connect = (host: string, port: number, tries = 1) =>
  `i=0; while [ $i -lt ${tries} ]; do if out=$(nc -w 1 ${host} ${port} </dev/null 2>&1) && [ -n "$out" ]; then echo "got: $out"; exit 0; fi; i=$((i+1)); sleep 0.2; done; echo "failed: $out"; exit 1`;

test('a step reaches its job service by name; another job and the host stay out of reach', async () => {
  const a = await job();
  const b = await job();
  const svcSink = new MemoryLogSink();
  const db = await runtime.startService(
    a,
    { name: 'db', lowerDirs: layers, script: 'exec nc -ll -p 7070 -e echo hello-from-db' },
    { sink: svcSink },
  );
  assert.ok(db.ip, 'the service has an address on the job network');

  const byName = await step(a, 'client', connect('db', 7070, 25));
  assert.equal(byName.code, 0, byName.out);
  assert.match(byName.out, /got: hello-from-db/);

  const fromB = await step(b, 'intruder', `${connect(db.ip!, 7070, 2)}`);
  assert.notEqual(fromB.code, 0, `job B reached job A's service: ${fromB.out}`);
  const nameInB = await step(b, 'byname', connect('db', 7070));
  assert.notEqual(nameInB.code, 0, `job B resolved job A's service: ${nameInB.out}`);

  const host = await serveOnHost('0.0.0.0', 'host-any');
  try {
    const gw = await step(a, 'gateway', connect(a.network!.gateway, host.port, 2));
    assert.notEqual(gw.code, 0, `a step reached the host through the gateway: ${gw.out}`);
  } finally {
    host.server.close();
  }
});
