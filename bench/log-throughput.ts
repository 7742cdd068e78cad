// A step printing 100 MB through the runner's log path: a child `cat`s 100 MB of ~95-byte
// build-log-like lines (10 MB of varied text, repeated: it compresses as real logs do, ~5x)
// to a pipe, read by the runtime's line splitter into a LogWriter on a private Redis.
// Runner side (this process): the step's wall time with the writer vs a no-op sink (median of
// rounds, alternated), the time from the step's end until every line is in Redis, the same
// through the executor's secret masking, lines dropped, peak RSS (the log text is made in a
// child process, so it does not count).
// Server side (a child process, so its RSS is its own): reading the live log, archiving it
// (stream → file), reading the archived log back, peak RSS.
// Usage: npx tsx bench/log-throughput.ts [--mb 100] [--rounds 3]
import './lib/quiet-logs.js';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startRedis } from '../lib/daemons/redis.js';
import { freePort } from '../lib/net.js';
import { connectRedis, type Redis } from '../lib/redis.js';
import { wireKeys } from '../pipelines/index.js';
import { SecretMasker } from '../runner/executor/secret-mask.js';
import { ForwardingSink } from '../runner/executor/sinks.js';
import type { LogSink } from '../runner/runtime/index.js';
import { pipeLines } from '../runner/runtime/log-sink.js';
import { createLogWriter } from '../runner/worker/index.js';
import { archiveJobLog, fileLogArchive, readLog } from '../server/store/index.js';
import { median } from './lib/timing.js';

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const mb = Number(arg('--mb')) || 100;
const bytes = mb * 1_000_000;
const peakMiB = () => process.resourceUsage().maxRSS / 1024;

/** Writes 10 MB of varied log lines (timestamps, words, numbers) to `file`. */
async function makeLogText(file: string): Promise<void> {
  const words = (
    'compiling linking test passed failed warning src/lib/module.ts error at function build ' +
    'step cache hit miss layer sha256 downloading extracting npm install webpack bundle chunk'
  ).split(' ');
  let seed = 1;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 10_000_000; i++) {
    const w = Array.from({ length: 6 + rnd(10) }, () => words[rnd(words.length)]).join(' ');
    const l = `[${1_700_000_000 + i}] ${w} ${rnd(100_000)} ${(rnd(1e6) / 1000).toFixed(3)}s\n`;
    lines.push(l);
    size += l.length;
  }
  await writeFile(file, lines.join(''));
}

let textFile = '';
/** Runs the "step" (cat of the log text, `mb` MB) into `sink`; ms until its output is consumed. */
async function step(sink: LogSink): Promise<number> {
  const t = performance.now();
  const child = spawn('sh', ['-c', `while cat "$0"; do :; done | head -c ${bytes}`, textFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await pipeLines(child.stdout, 'stdout', sink);
  return performance.now() - t;
}

/** The server side, in its own process: read live, archive, read archived; prints JSON. */
async function serverSide(url: string, jobId: string, dir: string): Promise<void> {
  const redis = connectRedis(url, 'bench-server');
  const archive = fileLogArchive(dir);
  const readAll = async () => {
    const t = performance.now();
    let chars = 0;
    let lines = 0;
    for await (const batch of readLog(redis, archive, jobId)) {
      lines += batch.length;
      for (const e of batch) chars += e.text.length + 1;
    }
    return { ms: performance.now() - t, chars, lines };
  };
  const live = await readAll();
  const a = performance.now();
  await archiveJobLog(redis, archive, jobId);
  const archiveMs = performance.now() - a;
  const archived = await readAll();
  const size = (await stat(join(dir, 'logs', `${jobId}.log`))).size;
  await redis.quit();
  process.stdout.write(JSON.stringify({ live, archiveMs, archived, size, peakMiB: peakMiB() }));
}

async function run(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const code = await new Promise((r) => child.once('close', r));
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
}

async function serverSideChild(url: string, jobId: string, dir: string) {
  const out = await run(process.execPath, [
    ...process.execArgv,
    import.meta.filename,
    '--server-side',
    url,
    jobId,
    dir,
  ]);
  return JSON.parse(out) as {
    live: { ms: number; chars: number; lines: number };
    archiveMs: number;
    archived: { ms: number; chars: number; lines: number };
    size: number;
    peakMiB: number;
  };
}

/** Times `rounds` alternations of a no-op sink and the writer; the writer's last stream is kept. */
async function measure(redis: Redis, label: string, rounds: number, through?: SecretMasker) {
  const spoolDir = join(dirname(textFile), 'spool');
  const base: number[] = [];
  const withWriter: number[] = [];
  let last = { stored: 0, dropped: 0, flushMs: 0, jobId: '' };
  for (let i = 0; i < rounds; i++) {
    const sink = (write: LogSink['write']): LogSink =>
      through ? new ForwardingSink({ log: (_s, l) => write(l) }, 'step', through) : { write };
    base.push(await step(sink(() => {})));
    if (last.jobId) await redis.del(wireKeys.log(last.jobId));
    const jobId = `${label}-${i}`;
    const writer = await createLogWriter(redis, jobId, { spoolDir });
    withWriter.push(await step(sink((l) => writer.write('step', l))));
    const f = performance.now();
    await writer.close();
    last = { stored: writer.lastNumber, dropped: writer.dropped, flushMs: performance.now() - f, jobId };
  }
  return { base: median(base), writer: median(withWriter), ...last };
}

async function main() {
  const rounds = Number(arg('--rounds')) || 3;
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-logs-'));
  const server = await startRedis({ dataDir: join(dir, 'redis'), port: await freePort() });
  const redis = connectRedis(server.url, 'bench');
  textFile = join(dir, 'log.txt');
  // In a child: the text's strings would otherwise count in this process's peak RSS.
  await run(process.execPath, [...process.execArgv, import.meta.filename, '--make-text', textFile]);
  const startPeak = peakMiB();
  try {
    const masker = new SecretMasker(['s3cr3t-alpha-0001', 'hunter2-bravo', 'zulu-token-99']);
    const masked = await measure(redis, 'masked', 1, masker);
    await redis.del(wireKeys.log(masked.jobId));
    const plain = await measure(redis, 'bench', rounds);
    const runnerPeak = peakMiB();
    const s = await serverSideChild(server.url, plain.jobId, join(dir, 'server'));
    const rate = (ms: number) => (mb / (ms / 1000)).toFixed(0);
    const ratio = (r: { base: number; writer: number }) => (r.writer / r.base).toFixed(2);
    console.log(`step printing ${mb} MB, ${plain.stored} lines (median of ${rounds} rounds)`);
    console.log(`  no-op sink:        ${plain.base.toFixed(0)} ms`);
    console.log(
      `  log writer:        ${plain.writer.toFixed(0)} ms = ${ratio(plain)}x (target <= 1.10x); ${plain.dropped} lines dropped (target 0)`,
    );
    console.log(`  every line in Redis ${plain.flushMs.toFixed(0)} ms after the step's end`);
    console.log(
      `  masking 3 secrets: ${masked.base.toFixed(0)} ms no-op, ${masked.writer.toFixed(0)} ms writer = ${ratio(masked)}x; ${masked.dropped} dropped (1 round)`,
    );
    console.log(
      `  runner peak RSS:   ${runnerPeak.toFixed(0)} MiB (target < 200; ${startPeak.toFixed(0)} MiB before the first step)`,
    );
    console.log(`server side (own process), ${s.live.lines} lines`);
    console.log(`  read live:         ${s.live.ms.toFixed(0)} ms = ${rate(s.live.ms)} MB/s`);
    console.log(
      `  archive:           ${s.archiveMs.toFixed(0)} ms = ${rate(s.archiveMs)} MB/s (target >= 50), ${(s.size / 1e6).toFixed(1)} MB on disk`,
    );
    console.log(
      `  read archived:     ${s.archived.ms.toFixed(0)} ms = ${rate(s.archived.ms)} MB/s, ${s.archived.lines} lines`,
    );
    console.log(`  server peak RSS:   ${s.peakMiB.toFixed(0)} MiB (target < 200)`);
  } finally {
    await redis.quit();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const side = process.argv.indexOf('--server-side');
const text = process.argv.indexOf('--make-text');
if (text !== -1) await makeLogText(process.argv[text + 1] as string);
else if (side !== -1) {
  const [url, jobId, dir] = process.argv.slice(side + 1);
  await serverSide(url as string, jobId as string, dir as string);
} else await main();
