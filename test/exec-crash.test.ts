import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dataDirNetnsPrefix, dataDirOwnerPrefix } from '../runner/runtime/network/names.js';
import { idPrefix, stateDir } from '../runner/runtime/paths.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { seedStore } from './helpers/seed-store.js';
import { tempDir } from './helpers/tmp.js';

const sh = promisify(execFile);
const slipwayBin = new URL('../bin/slipway.mjs', import.meta.url).pathname;

async function leftovers(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  const runc = await sh('runc', ['--root', stateDir(dataDir, 'runc'), 'list', '--quiet']).catch(() => ({
    stdout: '',
  }));
  for (const id of runc.stdout.split('\n'))
    if (id.startsWith(idPrefix(dataDir))) found.push(`container ${id}`);
  for (const line of (await readFile('/proc/mounts', 'utf8')).split('\n'))
    if (line.split(' ')[1]?.startsWith(dataDir)) found.push(`mount ${line.split(' ')[1]}`);
  for (const ns of (await sh('ip', ['netns', 'list'])).stdout.split('\n'))
    if (ns.startsWith(dataDirNetnsPrefix(dataDir))) found.push(`netns ${ns}`);
  const links = (await sh('ip', ['-o', 'link', 'show'])).stdout;
  for (const line of links.split('\n'))
    if (line.includes(dataDirOwnerPrefix(dataDir))) found.push(`link ${line}`);
  const ipam = join(dataDir, 'network', 'ipam');
  for (const net of await readdir(ipam).catch(() => [] as string[]))
    for (const f of await readdir(join(ipam, net)).catch(() => [] as string[]))
      if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) found.push(`lease ${net}/${f}`);
  return found;
}

describe('a crashed slipway exec leaves nothing behind after the next start', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    requireBinary('ip', 'iproute2');
    dataDir = await tempDir('crash-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it('kill -9 mid-step, then a new run garbage-collects container, mounts, netns, bridge and leases', async () => {
    const repo = await tempDir('crash-repo');
    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  long:\n    steps:\n      - name: wait\n        run: echo started; sleep 1000\n',
    );
    const child = spawn(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('step never started')), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        if (b.toString().includes('started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = await leftovers(dataDir);
    assert.ok(
      before.some((l) => l.startsWith('container')),
      `expected a running container: ${before.join(', ')}`,
    );
    assert.ok(
      before.some((l) => l.startsWith('netns')),
      `expected a netns: ${before.join(', ')}`,
    );
    assert.ok(
      before.some((l) => l.startsWith('mount')),
      `expected an overlay mount: ${before.join(', ')}`,
    );

    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  quick:\n    steps:\n      - run: echo fine\n',
    );
    const { stdout } = await sh(process.execPath, [slipwayBin, 'exec', repo, '--data-dir', dataDir], {
      env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
    });
    assert.match(stdout, /removed 1 container\(s\) left by a crashed earlier run/);
    assert.match(stdout, /fine/);
    assert.deepEqual(await leftovers(dataDir), []);
  });
});
