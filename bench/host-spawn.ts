// What starting a host command costs a runner-sized Node process: lib/host-spawn's helper
// against Node's own spawn (the baseline), in the same process, alternating rounds. The process
// first holds a heap about the size of a runner's (--heap-mb, default 50: an rss near 180 MB) since a fork's cost
// grows with it. Per command: this process's CPU, wall time to `close`, and how long its event
// loop stood still (p99 and max of monitorEventLoopDelay); and the CPU of everything else
// involved (the forked children, and for the helper its own), from /proc.
// Usage: npx tsx bench/host-spawn.ts [--commands 300] [--heap-mb 120]
import './lib/quiet-logs.js';
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { hostSpawn, nodeSpawn } from '../lib/host-spawn/index.js';
import { cpuSeconds } from './lib/cpu.js';

const arg = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const COMMANDS = Number(arg('--commands')) || 300;
const HEAP_MB = Number(arg('--heap-mb')) || 50;

const heap: unknown[] = [];
for (let i = 0; i < HEAP_MB * 8_000; i++) heap.push({ i, s: `item ${i}`, a: [i, i + 1] });

const closed = (c: ChildProcess) =>
  new Promise<void>((resolve) => {
    c.stdout?.resume();
    c.stderr?.resume();
    c.once('close', () => resolve());
  });

const ways = {
  'Node spawn': (args: string[]) => nodeSpawn(['true', ...args], {}),
  'spawn helper': (args: string[]) => hostSpawn('true', args),
};
type Way = keyof typeof ways;
const totals = Object.fromEntries(
  Object.keys(ways).map((w) => [w, { cpu: 0, others: 0, wall: 0, p99: 0, max: 0, n: 0 }]),
) as Record<Way, { cpu: number; others: number; wall: number; p99: number; max: number; n: number }>;

for (const way of Object.keys(ways) as Way[]) for (let i = 0; i < 20; i++) await closed(ways[way]([])); // warm-up
for (let round = 0; round < 6; round++)
  for (const way of Object.keys(ways) as Way[]) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const others0 = (await cpuSeconds(process.pid)).children;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    delay.enable();
    const n = Math.ceil(COMMANDS / 6);
    // Two at a time, as a runner's two slots start theirs.
    for (let i = 0; i < n; i += 2) await Promise.all([closed(ways[way]([])), closed(ways[way]([]))]);
    delay.disable();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const t = totals[way];
    t.cpu += (cpu.user + cpu.system) / 1000;
    t.others += ((await cpuSeconds(process.pid)).children - others0) * 1000;
    t.wall += wall;
    t.p99 = Math.max(t.p99, delay.percentile(99) / 1e6);
    t.max = Math.max(t.max, delay.max / 1e6);
    t.n += n;
  }

console.log(
  `${COMMANDS} \`true\` commands per way, two at a time, from a process with a ${HEAP_MB} MB heap (rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB)`,
);
for (const [way, t] of Object.entries(totals))
  console.log(
    `  ${way.padEnd(13)} this process ${(t.cpu / t.n).toFixed(2)} ms CPU per command, the rest ${(t.others / t.n).toFixed(2)} ms; ${((t.wall / t.n) * 2).toFixed(2)} ms to close; event loop stalled p99 ${t.p99.toFixed(1)} ms, max ${t.max.toFixed(1)} ms`,
  );
const [node, helper] = [totals['Node spawn'], totals['spawn helper']];
console.log(
  `  helper / Node spawn: this process's CPU ${(helper.cpu / node.cpu).toFixed(2)}x, all CPU ${((helper.cpu + helper.others) / (node.cpu + node.others)).toFixed(2)}x, time to close ${(helper.wall / node.wall).toFixed(2)}x, worst stall ${(helper.max / node.max).toFixed(2)}x`,
);
heap.length = 0;
process.exit(0);
