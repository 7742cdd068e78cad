// Push-to-log latency of the whole system: `slipway server` and one warm `slipway runner` (real
// processes, busybox in the runner's store), once with runc and once with crun as the runner's
// OCI runtime. Each of N pushes is a signed GitHub webhook for a one-commit push, as GitHub sends it
// (`before`, `after`, the commit with its changed paths), sent by this process; the latency is
// from sending it to the first log line of the first step arriving over SSE; pushes are 1.5 s
// apart, so each meets an idle warm runner. Prints p50/p95 and where the time goes (webhook →
// run stored → job queued → taken by the runner → step started → first line), beside the
// Runtime's own per-step cost on the same OCI runtime. Then a step printing 100 MB: its
// throughput to the server's archive and the peak RSS of the server and runner processes (the
// shipped bundle, built first).
// Usage (as root): npx tsx bench/latency.ts [--pushes 20] [--runtimes runc,crun]
import './lib/quiet-logs.js';
import { readFile } from 'node:fs/promises';
import { runTool } from '../lib/proc.js';
import { getJobs, getRun } from '../server/store/index.js';
import { startCiSystem } from '../test/helpers/ci-system.js';
import { cleanUpNow } from '../test/helpers/cleanup.js';
import { testGitRepo } from '../test/helpers/git-repo.js';
import { readSse } from '../test/helpers/sse.js';
import { cpuSeconds } from './lib/cpu.js';
import { runtimeStepMedian } from './lib/runtime-contender.js';
import { githubPusher } from './lib/webhook-push.js';

const arg = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const pushes = Number(arg('--pushes')) || 20;
const runtimes = (arg('--runtimes') ?? 'runc,crun').split(',') as Array<'runc' | 'crun'>;

// The server and runner run the shipped bundle (dist/), as `npm ci` builds it.
await runTool(process.execPath, ['scripts/bundle.mjs']);
const ci = await startCiSystem();
const name = 'bench/latency';
const work = await testGitRepo({
  '.slipway.yml': 'image: busybox:latest\njobs:\n  first:\n    steps:\n      - run: echo first line\n',
});
// The clone URL is the work repository itself: this process sends the webhooks, no hook runs.
const send = await githubPusher(ci, name, work);
/** Pushes `sha` as GitHub sends it; the phases from sending the webhook to the first log line over SSE. */
async function push(sha: string, paths: string[] = []): Promise<Record<string, number>> {
  const t0 = Date.now();
  const runId = await send(sha, paths);
  const answeredAt = Date.now();
  let firstLine = 0;
  let lineTime = 0;
  await readSse(`${ci.url}/api/jobs/${runId}-0/log/stream`, {
    headers: { authorization: `Bearer ${ci.token}` },
    onEvent: (e) => {
      if (e.event !== 'line') return true;
      firstLine = Date.now();
      lineTime = (JSON.parse(e.data) as { time: number }).time;
      return false;
    },
  });
  for (;;) {
    const run = await getRun(ci.redis, runId);
    if (run?.finishedAt) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const run = await getRun(ci.redis, runId);
  const [job] = await getJobs(ci.redis, run?.jobs ?? []);
  return {
    total: firstLine - t0,
    'webhook → run stored': (run?.createdAt ?? 0) - t0,
    'webhook answered': answeredAt - t0,
    'run stored → job queued': (job?.queuedAt ?? 0) - (run?.createdAt ?? 0),
    'queued → runner took it': (job?.startedAt ?? 0) - (job?.queuedAt ?? 0),
    'taken → step started': (job?.steps[0]?.startedAt ?? 0) - (job?.startedAt ?? 0),
    'step started → line written': lineTime - (job?.steps[0]?.startedAt ?? 0),
    'line written → line over SSE': firstLine - lineTime,
  };
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
/** One warm runner on `binary`: N pushes, their phases, beside the Runtime's step on the same binary. */
async function series(binary: 'runc' | 'crun', warmSha: string) {
  const runner = await ci.startRunner(`bench-${binary}`, ['--labels', 'linux', '--runtime', binary]);
  await push(warmSha, ['.slipway.yml']); // warm-up: the runner's mirror and queue, the server's mirror
  const samples: Array<Record<string, number>> = [];
  for (let i = 0; i < pushes; i++) {
    // An idle warm runner: the last job's teardown and the next environment are done meanwhile.
    await new Promise((r) => setTimeout(r, 1_500));
    const file = `src/change-${binary}.txt`;
    samples.push(await push(await work.commit({ [file]: `push ${i}\n` }, `push ${i} ${binary}`), [file]));
  }
  console.log(`push → first log line over SSE, ${pushes} pushes, one warm runner (${binary}):`);
  for (const phase of Object.keys(samples[0] ?? {})) {
    const xs = samples.map((s) => s[phase] ?? 0);
    console.log(
      `  ${phase.padEnd(30)} p50 ${String(pct(xs, 0.5)).padStart(5)} ms   p95 ${String(pct(xs, 0.95)).padStart(5)} ms`,
    );
  }
  const runtime = await runtimeStepMedian(20, binary);
  console.log(
    `  Runtime (${binary}) one \`true\` step  median ${runtime.toFixed(1).padStart(5)} ms   (bench/step-overhead's figure)`,
  );
  const p50 = pct(
    samples.map((s) => s.total ?? 0),
    0.5,
  );
  console.log(`p50 ${p50} ms (target < 150 ms): ${(p50 / runtime).toFixed(1)}x the Runtime's step cost\n`);
  return runner;
}

let runner: Awaited<ReturnType<typeof ci.startRunner>> | undefined;
for (const binary of runtimes) {
  if (runner) {
    runner.child.kill('SIGTERM');
    await runner.exited;
  }
  runner = await series(binary, runner ? await work.commit({}, `warm ${binary}`) : work.sha);
}
if (!runner) throw new Error('no runtime to measure');
// A step printing 100 MB through the whole system: runner → Redis → archive on the server.
const MB = 100;
const redisPid = Number(/process_id:(\d+)/.exec(await ci.redis.info('server'))?.[1]);
const pids = { server: ci.server.child.pid, runner: runner.child.pid, redis: redisPid };
const cpuBefore = await Promise.all(Object.values(pids).map(cpuSeconds));
// The step prints a 1 MB block of build-log-like lines (words, numbers, timestamps: ~5x
// compressible, as real logs are) N times with one `cat` (busybox `yes` alone costs ~0.7 CPU
// seconds per 100 MB, a third of what two cores have in the target's 2 s); the same output to
// /dev/null first, in the same job, is the step's own cost.
const words =
  'compiling linking test passed failed warning src/lib/module.ts error at function build ' +
  'step cache hit miss layer sha256 downloading extracting npm install webpack bundle chunk';
const makeBlock =
  `awk 'BEGIN { srand(7); k = split("${words}", w, " "); n = 0; i = 0;` +
  ' while (n < 1000000) { l = "[" (1700000000 + i++) "]"; c = 6 + int(rand() * 10);' +
  ' for (j = 0; j < c; j++) l = l " " w[1 + int(rand() * k)];' +
  ' l = l " " int(rand() * 100000) " " sprintf("%.3f", rand() * 1000) "s"; print l; n += length(l) + 1 } }\' > block.txt';
const print = `cat ${Array(MB).fill('block.txt').join(' ')}`;
const loud = await push(
  await work.commit(
    {
      '.slipway.yml': [
        'image: busybox:latest',
        'jobs:',
        '  first:',
        '    steps:',
        '      - name: block',
        '        run: |',
        `          ${makeBlock}`,
        '      - name: to-dev-null',
        `        run: ${print} > /dev/null`,
        '      - name: loud',
        `        run: ${print}`,
        '',
      ].join('\n'),
    },
    'loud step',
  ),
  ['.slipway.yml'],
);
const [last] = await ci.finishedRuns(name, 1);
const [job] = await getJobs(ci.redis, last?.jobs ?? []);
const step = job?.steps[2];
const stepStart = step?.startedAt ?? 0;
const archivedMs = (last?.finishedAt ?? 0) - stepStart;
const cpuAfter = await Promise.all(Object.values(pids).map(cpuSeconds));
const hwm = async (pid: number | undefined) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
console.log(`a step printing ${MB} MB (${job?.state}; its first line over SSE after ${loud.total} ms):`);
console.log(
  `  step ran ${step?.result?.durationMs} ms (to /dev/null: ${job?.steps[1]?.result?.durationMs} ms); step start → run finished, log archived: ${archivedMs} ms = ${(MB / (archivedMs / 1000)).toFixed(0)} MB/s (target >= 50)`,
);
const stepEnd = stepStart + (step?.result?.durationMs ?? 0);
console.log(
  `  step ended → job finished (the runner's last lines in Redis): ${(job?.finishedAt ?? 0) - stepEnd} ms; job finished → run finished (archive stored): ${(last?.finishedAt ?? 0) - (job?.finishedAt ?? 0)} ms`,
);
console.log(
  `  peak RSS: server ${(await hwm(ci.server.child.pid)).toFixed(0)} MiB, runner ${(await hwm(runner.child.pid)).toFixed(0)} MiB (target < 200 each)`,
);
console.log(
  `  CPU seconds: ${Object.keys(pids)
    .map((k, i) => {
      const [a, b] = [cpuAfter[i], cpuBefore[i]];
      const kids = (a?.children ?? 0) - (b?.children ?? 0);
      return `${k} ${((a?.self ?? 0) - (b?.self ?? 0)).toFixed(2)}${kids > 0 ? ` (+${kids.toFixed(2)} its child processes)` : ''}`;
    })
    .join(', ')}`,
);
// The runner and server stop as in a test (the runner destroys its ready job environments).
await cleanUpNow();
process.exit(0);
