// A step printing 100 MB through the runner's log path: a child writes 100 MB of ~100-byte
// lines to a pipe, read by the runtime's line splitter into a LogWriter on a private Redis.
// Prints the step's wall time with the writer vs a no-op sink (the slowdown), lines dropped,
// the archive throughput (stream → gzip JSONL file), and this process's peak RSS.
// Usage: npx tsx bench/log-throughput.ts [--mb 100]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../lib/daemons/redis.js';
import { freePort } from '../lib/net.js';
import { connectRedis } from '../lib/redis.js';
import type { LogSink } from '../runner/runtime/index.js';
import { pipeLines } from '../runner/runtime/log-sink.js';
import { createLogWriter } from '../runner/worker/index.js';
import { archiveJobLog, fileLogArchive } from '../server/store/index.js';

const mb = Number(process.argv[process.argv.indexOf('--mb') + 1]) || 100;
const bytes = mb * 1_000_000;
const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-logs-'));
const server = await startRedis({ dataDir: join(dir, 'redis'), port: await freePort() });
const redis = connectRedis(server.url, 'bench');
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 20);

/** Runs the "step" (head -c of repeated lines) into `sink`; ms until its output is consumed. */
async function step(sink: LogSink): Promise<number> {
  const t = performance.now();
  const line = `${'log line of a busy step '.repeat(4).slice(0, 99)}`;
  const child = spawn('sh', ['-c', `yes '${line}' | head -c ${bytes}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await pipeLines(child.stdout, 'stdout', sink);
  return performance.now() - t;
}

try {
  const baseline = await step({ write() {} });
  const writer = await createLogWriter(redis, 'bench-1');
  const withWriter = await step({ write: (l) => writer.write('step', l) });
  const flushStart = performance.now();
  await writer.close();
  const flushMs = performance.now() - flushStart;
  const archive = fileLogArchive(join(dir, 'server'));
  const a = performance.now();
  await archiveJobLog(redis, archive, 'bench-1');
  const archiveMs = performance.now() - a;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  console.log(`step printing ${mb} MB (${writer.lastNumber} lines stored, ${writer.dropped} dropped)`);
  console.log(`  no-op sink:  ${baseline.toFixed(0)} ms`);
  console.log(
    `  log writer:  ${withWriter.toFixed(0)} ms (${((withWriter / baseline - 1) * 100).toFixed(1)}% slower), then ${flushMs.toFixed(0)} ms to flush`,
  );
  console.log(`  archive:     ${archiveMs.toFixed(0)} ms = ${(mb / (archiveMs / 1000)).toFixed(1)} MB/s`);
  console.log(`  peak RSS:    ${(peakRss / 2 ** 20).toFixed(0)} MiB (writer and archiver in this process)`);
} finally {
  clearInterval(sampler);
  await redis.quit();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
