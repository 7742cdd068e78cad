// Child process for runtime-dead-peer.test.ts: prepares a job with a bridge network and a job
// disk on a shared data dir, starts a service in it, says so with a file once runc reports the
// service running (a start returns once `runc run` is spawned, before its container exists), and
// waits to be killed with SIGKILL, leaving its container, mounts, disk and network behind.
// Usage: tsx test/runtime-dead-peer-child.ts <dataDir> <job id> <ready file> <rootfs>
import { writeFileSync } from 'node:fs';
import { runTool } from '../lib/proc.js';
import { dataDirPaths } from '../runner/data-dir.js';
import { containerId } from '../runner/runtime/ids.js';
import { DEFAULT_JOB_DISK_BYTES, MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';

const [dataDir, id, readyFile, rootfs] = process.argv.slice(2);
if (!dataDir || !id || !readyFile || !rootfs)
  throw new Error('usage: <dataDir> <job id> <ready file> <rootfs>');
const rt = createRuntime({ dataDir });
const job = await rt.prepareJob({ id, network: 'bridge', diskBytes: DEFAULT_JOB_DISK_BYTES });
await rt.startService(
  job,
  { name: 'db', lowerDirs: [rootfs], script: 'sleep 1000' },
  { sink: new MemoryLogSink() },
);
const state = ['--root', dataDirPaths.runtimeState(dataDir, 'runc'), 'state', containerId(dataDir, id, 'db')];
const running = async () =>
  (JSON.parse(await runTool('runc', state).catch(() => '{}')) as { status?: string }).status === 'running';
for (const deadline = Date.now() + 30_000; !(await running()); await new Promise((r) => setTimeout(r, 20)))
  if (Date.now() > deadline) throw new Error('the service never reached running');
writeFileSync(readyFile, 'ready\n');
setInterval(() => undefined, 60_000);
