// Child process for runtime-dead-peer.test.ts: prepares a job with a bridge network and a job
// disk on a shared data dir, starts a service in it, says so with a file, and waits to be killed
// with SIGKILL, leaving its container, mounts, disk and network behind.
// Usage: tsx test/runtime-dead-peer-child.ts <dataDir> <job id> <ready file> <rootfs>
import { writeFileSync } from 'node:fs';
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
writeFileSync(readyFile, 'ready\n');
setInterval(() => undefined, 60_000);
