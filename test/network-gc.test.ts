import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, test } from 'node:test';
import { SlipwayError } from '../lib/errors.js';
import { log } from '../lib/log.js';
import { runTool } from '../lib/proc.js';
import { listSlipwayBridges } from '../runner/runtime/network/bridge.js';
import { createJobNetwork, gcNetworks } from '../runner/runtime/network/index.js';
import { dataDirNetnsPrefix, dataDirOwnerPrefix } from '../runner/runtime/network/names.js';
import { probeFrom } from './helpers/netns-probe.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { tempDir, uniqueName } from './helpers/tmp.js';

const NETWORK_MODULE = new URL('../runner/runtime/network/index.ts', import.meta.url).pathname;

// A runner that sets up two job networks (two containers each), reports them, and waits to be killed.
const CRASHING_RUNNER = `
const { createJobNetwork } = await import(process.argv[1]);
const { log } = await import(process.argv[2]);
const out = [];
for (const job of ['one', 'two']) {
  const n = await createJobNetwork({ jobId: 'crash-' + job, dataDir: process.argv[3], log });
  const a = await n.addContainer({ name: 'svc' });
  const b = await n.addContainer({ name: 'step' });
  n.prepareSpare(); // as the runtime does once a container has started
  out.push({ bridge: n.bridge, subnet: n.subnet, netns: [a.netnsPath, b.netnsPath] });
}
process.stdout.write(JSON.stringify(out) + '\\n');
setInterval(() => {}, 1000);
`;

interface Leftovers {
  netns: string[];
  bridges: string[];
  rules: string[];
  leases: string[];
}

/**
 * Slipway bridges of the host not labelled by another data dir. A bridge is created before its
 * label is set, so one of `names` still unlabelled may be a neighbour's claim of a just-freed
 * name: it is looked at again (up to 3 s) before it counts.
 */
async function bridgesNotOthers(names: string[], someoneElses: (label: string) => boolean) {
  for (let i = 0; ; i++) {
    const links = (await listSlipwayBridges()).filter((b) => !someoneElses(b.label));
    const unlabelled = links.some((b) => b.label === '' && names.includes(b.bridge));
    if (!unlabelled || i === 30) return links;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Which of the given netns (paths), bridges and subnets still exist, plus every lease file.
 * Bridge names and subnets are host-wide and reused as soon as they are freed, so a bridge or
 * rule labelled by another data dir (a test running alongside) is not this one's leftover.
 */
async function leftovers(
  dataDir: string,
  of: { netns?: string[]; bridges: string[]; subnets: string[] },
): Promise<Leftovers> {
  const ours = dataDirOwnerPrefix(dataDir);
  const someoneElses = (text: string) => /slipway:[0-9a-f]{8}:/.test(text) && !text.includes(ours);
  const names = (await runTool('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
  const links = (await bridgesNotOthers(of.bridges, someoneElses)).map((b) => b.bridge);
  const rules = (await runTool('iptables-save', []))
    .split('\n')
    .filter((l) => of.bridges.some((b) => l.includes(b)) || of.subnets.some((s) => l.includes(s)))
    .filter((l) => !someoneElses(l));
  const ipam = join(dataDir, 'network', 'ipam');
  const leases: string[] = [];
  for (const dir of await readdir(ipam).catch(() => [] as string[])) {
    for (const f of await readdir(join(ipam, dir)).catch(() => [] as string[])) leases.push(`${dir}/${f}`);
  }
  return {
    // The netns it reported, and any other of this data dir (a network's place made ahead).
    netns: [
      ...new Set([
        ...(of.netns ?? []).map((p) => basename(p)).filter((n) => names.includes(n)),
        ...names.filter((n) => n?.startsWith(dataDirNetnsPrefix(dataDir))),
      ]),
    ] as string[],
    bridges: of.bridges.filter((b) => links.includes(b)),
    rules,
    leases,
  };
}

before(() => {
  requireRoot();
  requireBinary('ip', 'iproute2');
  requireBinary('iptables-save', 'iptables');
});

test('after a runner is killed mid-job, gcNetworks leaves no netns, bridge, lease or rule of its data dir', async () => {
  const dataDir = await tempDir('slipway-netgc');
  const bystanderDir = await tempDir('slipway-netgc-other');
  const bystander = await createJobNetwork({ jobId: uniqueName('bystander'), dataDir: bystanderDir, log });
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        CRASHING_RUNNER,
        NETWORK_MODULE,
        join(import.meta.dirname, '../lib/log.ts'),
        dataDir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the runner did not set up its networks in 60 s')),
        60_000,
      );
      child.stdout.once('data', (b: Buffer) => resolve(b.toString()));
      child.once('exit', (code) => reject(new Error(`the runner exited early (${code})`)));
      child.once('exit', () => clearTimeout(timer));
    }).finally(() => child.kill('SIGKILL'));
    if (child.exitCode === null) await once(child, 'exit');
    const jobs = JSON.parse(line) as Array<{ bridge: string; subnet: string; netns: string[] }>;
    const bridges = jobs.map((j) => j.bridge);
    const subnets = jobs.map((j) => j.subnet);

    const of = { bridges, subnets, netns: jobs.flatMap((j) => j.netns) };
    const before = await leftovers(dataDir, of);
    // Four containers' netns, plus each network's place made ahead for its next container.
    assert.ok(before.netns.length > 4, `the crashed runner left its netns: ${before.netns.join(', ')}`);
    assert.deepEqual(before.bridges, bridges);
    assert.ok(before.rules.length >= 4, `rules before GC: ${before.rules.join('\n')}`);
    assert.ok(before.leases.filter((l) => /\/10\.89\./.test(l)).length >= 4, before.leases.join(', '));

    const report = await gcNetworks(dataDir, log);
    assert.equal(report.jobs, 2);
    assert.deepEqual(await leftovers(dataDir, of), { netns: [], bridges: [], rules: [], leases: [] });
    assert.deepEqual(await readdir(join(dataDir, 'network', 'jobs')), []);

    // Another data dir's network is untouched and still works.
    const c = await bystander.addContainer({ name: 'alive' });
    const r = await probeFrom(c.netnsPath, c.ip, 1, 1000);
    assert.equal(r.error, 'ECONNREFUSED', 'the bystander netns still has its address');
  } finally {
    await bystander.destroy();
  }
});

test('a failed setup leaves nothing behind, and destroy is idempotent', async () => {
  const dataDir = await tempDir('slipway-netgc');
  const pool = '10.89.250.0/24';
  const first = await createJobNetwork({ jobId: uniqueName('first'), dataDir, subnetPool: pool, log });
  try {
    await assert.rejects(
      createJobNetwork({ jobId: uniqueName('second'), dataDir, subnetPool: pool, log }),
      (err) => {
        assert.ok(err instanceof SlipwayError);
        assert.equal(err.category, 'temporary');
        assert.match(err.message, /no free \/24 left in the job subnet pool 10\.89\.250\.0\/24/);
        return true;
      },
    );
    assert.equal(
      (await readdir(join(dataDir, 'network', 'jobs'))).length,
      1,
      'only the first job is recorded',
    );
    await assert.rejects(
      createJobNetwork({ jobId: 'x', dataDir, subnetPool: '10.89.0.0/25', log }),
      /\/24 or larger/,
    );
  } finally {
    await first.destroy();
    await first.destroy();
  }
  assert.deepEqual(await leftovers(dataDir, { bridges: [first.bridge], subnets: [first.subnet] }), {
    netns: [],
    bridges: [],
    rules: [],
    leases: [],
  });
});

test('a job network whose earlier run crashed is replaced cleanly when the job runs again', async () => {
  const dataDir = await tempDir('slipway-netgc');
  const jobId = uniqueName('rerun');
  const crashed = await createJobNetwork({ jobId, dataDir, log });
  await crashed.addContainer({ name: 'svc' });
  const again = await createJobNetwork({ jobId, dataDir, log });
  try {
    const c = await again.addContainer({ name: 'svc' });
    assert.equal(c.ip.startsWith(again.subnet.split('.').slice(0, 3).join('.')), true);
  } finally {
    await again.destroy();
  }
  assert.deepEqual(
    (await leftovers(dataDir, { bridges: [crashed.bridge, again.bridge], subnets: [] })).bridges,
    [],
  );
});
