// Child process for runtime-gc.test.ts: starts a long step through the Runtime and waits to be
// killed with SIGKILL, leaving a running container, its overlay mount and cgroups behind.
// Usage: tsx test/runtime-gc-child.ts <dataDir> <runc|crun> <workspace> <layer dir>...
import { MemoryLogSink } from '../runner/runtime/index.js';
import { createRuntime } from '../runner/runtime/oci-runtime.js';

const [dataDir, binary, workspace, ...layers] = process.argv.slice(2);
if (!dataDir || !binary || !workspace || layers.length === 0)
  throw new Error('usage: <dataDir> <binary> <workspace> <layers...>');
const rt = createRuntime({ dataDir, binary });
const job = await rt.prepareJob({ id: 'crashy', network: 'none' });
await rt.run(
  job,
  {
    name: 'step',
    lowerDirs: layers,
    script: 'touch /workspace/started; sleep 1000',
    mounts: [{ type: 'bind', source: workspace, target: '/workspace' }],
  },
  { sink: new MemoryLogSink() },
);
