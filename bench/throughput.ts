// Throughput of the whole system: `slipway server` and two `slipway runner`s (concurrency 2
// each; real processes, the shipped bundle) take RUNS runs of JOBS one-step `true` jobs (a
// matrix), all queued at once: RUNS signed GitHub push webhooks sent as fast as the server
// answers them. Prints jobs/s, the slot time each job took beyond its container's own run
// (the step's duration), beside the Runtime's own per-step cost on the same host measured in
// this run, before and after the runs (bench/step-overhead's figure), and, for scale, the
// Runtime's slot time per step with as many steps at once as the system has slots, and Redis
// memory per finished run once every log is archived, with the keys that hold it.
// Usage (as root): npx tsx bench/throughput.ts [--runs 50] [--jobs 10]
import './lib/quiet-logs.js';
import { runTool } from '../lib/proc.js';
import { REPORT_LINGER_MS } from '../pipelines/index.js';
import { getJobs, getRun, type RunRecord } from '../server/store/index.js';
import { startCiSystem } from '../test/helpers/ci-system.js';
import { cleanUpNow } from '../test/helpers/cleanup.js';
import { testGitRepo } from '../test/helpers/git-repo.js';
import { cpuSeconds } from './lib/cpu.js';
import { redisMemoryByKind } from './lib/redis-memory.js';
import { runtimeSlotMs, runtimeStepTimes } from './lib/runtime-contender.js';
import { median } from './lib/timing.js';
import { githubPusher } from './lib/webhook-push.js';

const arg = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const RUNS = Number(arg('--runs')) || 50;
const JOBS = Number(arg('--jobs')) || 10;
const SLOTS = 4; // two runners, concurrency 2 each

await runTool(process.execPath, ['scripts/bundle.mjs']);
const ci = await startCiSystem();
const matrix = Array.from({ length: JOBS }, (_, i) => i + 1).join(', ');
const work = await testGitRepo({
  '.slipway.yml': `image: busybox:latest\njobs:\n  unit:\n    matrix:\n      n: [${matrix}]\n    steps:\n      - run: "true"\n`,
});
const push = await githubPusher(ci, 'bench/throughput', work);
const runners = [];
for (const name of ['tp-a', 'tp-b'])
  runners.push(await ci.startRunner(name, ['--labels', 'linux', '--concurrency', '2']));

/** Waits until every run in `ids` is final; returns their records. */
async function finished(ids: string[]): Promise<RunRecord[]> {
  for (;;) {
    const runs = await Promise.all(ids.map((id) => getRun(ci.redis, id)));
    if (runs.every((r) => r?.finishedAt !== undefined)) return runs as RunRecord[];
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Warm-up: both runners' mirrors and queues, the server's mirror, each slot's environment.
await finished(await Promise.all([push(work.sha), push(await work.commit({ 'w.txt': 'w' }, 'warm'))]));
const shas: string[] = [];
for (let i = 0; i < RUNS; i++) shas.push(await work.commit({ 'n.txt': `${i}\n` }, `push ${i}`));
await new Promise((r) => setTimeout(r, 3_000)); // the warm-up's logs archived, its teardown done
// The Runtime's figure is taken both before and after the runs (this VM's speed drifts).
const runtimeBefore = await runtimeStepTimes(30, 'runc');
const memBefore = Number(/used_memory:(\d+)/.exec(await ci.redis.info('memory'))?.[1]);

const redisPid = Number(/process_id:(\d+)/.exec(await ci.redis.info('server'))?.[1]);
const pids = {
  server: ci.server.child.pid,
  'runner a': runners[0]?.child.pid,
  'runner b': runners[1]?.child.pid,
  redis: redisPid,
};
const cpuBefore = await Promise.all(Object.values(pids).map(cpuSeconds));
const t0 = Date.now();
const ids: string[] = [];
for (const sha of shas) ids.push(await push(sha)); // one after another: the server's answer order
const queuedAll = Date.now() - t0;
const runs = await finished(ids);
const elapsed = Date.now() - t0;
const cpuAfter = await Promise.all(Object.values(pids).map(cpuSeconds));
const jobs = (await Promise.all(runs.map((r) => getJobs(ci.redis, r.jobs)))).flat();
const failed = jobs.filter((j) => j.state !== 'success').length;
const stepMs = jobs.map((j) => j.steps[0]?.result?.durationMs ?? 0).sort((a, b) => a - b);
const med = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
const jobSpan = jobs.map((j) => (j.finishedAt ?? 0) - (j.startedAt ?? 0)).sort((a, b) => a - b);
const slotMs = (elapsed * SLOTS) / jobs.length;
/** A job's own time beyond its container's run: taken (its start applied) to finished, minus its step. */
const ownOverhead = med(
  jobs
    .map((j) => (j.finishedAt ?? 0) - (j.startedAt ?? 0) - (j.steps[0]?.result?.durationMs ?? 0))
    .sort((a, b) => a - b),
);
/** What each job costs a slot beyond its container's run: slot time per job minus the median step. */
const slotOverhead = slotMs - med(stepMs);

// Every log archived (its stream gone), then what a finished run keeps in Redis.
for (let i = 0; i < 400; i++) {
  const streams = await Promise.all(jobs.map((j) => ci.redis.exists(`{slipway}:log:${j.id}`)));
  if (streams.every((n) => n === 0)) break;
  await new Promise((r) => setTimeout(r, 50));
}
const memAfter = Number(/used_memory:(\d+)/.exec(await ci.redis.info('memory'))?.[1]);
const byKind = await redisMemoryByKind(ci.redis);
const runtimeAfter = await runtimeStepTimes(30, 'runc');
const runtime = median([...runtimeBefore, ...runtimeAfter]);
const runtimeSlot = await runtimeSlotMs(SLOTS, 30);

console.log(
  `${RUNS} runs × ${JOBS} one-step jobs = ${jobs.length} jobs through 2 runners × concurrency 2 (${failed} not successful)`,
);
console.log(`  all ${RUNS} webhooks answered (runs queued) in ${queuedAll} ms`);
console.log(`  all runs finished after ${elapsed} ms: ${((jobs.length * 1000) / elapsed).toFixed(1)} jobs/s`);
console.log(
  `  per job: ${slotMs.toFixed(0)} ms of slot time; its step (the container's own run) median ${med(stepMs)} ms; taken → finished median ${med(jobSpan)} ms`,
);
console.log(
  `  the Runtime's step overhead (bench/step-overhead's figure, measured now): ${runtime.toFixed(1)} ms (median of 30 steps before the runs, ${median(runtimeBefore).toFixed(1)}, and 30 after, ${median(runtimeAfter).toFixed(1)}); target <= 2x`,
);
console.log(
  `  per-job overhead beyond the container's run, as the job sees it (taken → finished, minus its step; median; taken is when the server applied its start, which a runner holds up to ${REPORT_LINGER_MS} ms for the next report): ${ownOverhead.toFixed(0)} ms = ${(ownOverhead / runtime).toFixed(2)}x`,
);
console.log(
  `  per-job overhead beyond the container's run, as a slot pays it (slot time per job minus the median step; teardown and hand-over included): ${slotOverhead.toFixed(0)} ms = ${(slotOverhead / runtime).toFixed(2)}x`,
);
console.log(
  `  for scale, the Runtime alone with ${SLOTS} steps at once on this host: ${runtimeSlot.toFixed(0)} ms of slot time per step; the system's own work beyond that: ${(slotMs - runtimeSlot).toFixed(0)} ms per job = ${((slotMs - runtimeSlot) / runtime).toFixed(2)}x the step overhead`,
);
const perJob = (a = 0, b = 0) => (((a - b) * 1000) / jobs.length).toFixed(0);
console.log(
  `  CPU ms per job (of ${((elapsed * 2) / jobs.length).toFixed(0)} ms two cores give each job): ${Object.keys(
    pids,
  )
    .map(
      (k, i) =>
        `${k} ${perJob(cpuAfter[i]?.self, cpuBefore[i]?.self)} (+${perJob(cpuAfter[i]?.children, cpuBefore[i]?.children)} its child processes)`,
    )
    .join(', ')}`,
);
console.log(
  `  Redis memory per finished run, logs archived: ${((memAfter - memBefore) / RUNS / 1024).toFixed(1)} KiB (used_memory delta over ${RUNS} runs; target < 20 KB)`,
);
console.log('  what the keys hold now (MEMORY USAGE, all runs):');
for (const k of byKind.slice(0, 12))
  console.log(
    `    ${k.kind.padEnd(48)} ${String(k.keys).padStart(5)} keys ${(k.bytes / 1024).toFixed(1).padStart(9)} KiB`,
  );
await cleanUpNow();
process.exit(0);
