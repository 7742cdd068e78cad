import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerResolvConf, jobResolvConf, renderHostsFile } from './dns.js';

test('resolv.conf keeps upstream resolvers and search/options, drops host-local stubs', () => {
  const host = 'nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example\noptions ndots:2\n# c\n';
  assert.equal(containerResolvConf(host), 'nameserver 10.0.0.2\nsearch corp.example\noptions ndots:2\n');
  assert.equal(containerResolvConf('nameserver 127.0.0.53\nsearch x\n'), undefined);
  assert.equal(containerResolvConf('nameserver ::1\n'), undefined);
});

test('with only a stub in /etc/resolv.conf, the systemd-resolved upstream list is used', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-dns-'));
  try {
    await writeFile(join(dir, 'stub'), 'nameserver 127.0.0.53\n');
    await writeFile(join(dir, 'upstream'), 'nameserver 192.0.2.53\n');
    assert.equal(await jobResolvConf([join(dir, 'stub'), join(dir, 'upstream')]), 'nameserver 192.0.2.53\n');
    assert.equal(await jobResolvConf([join(dir, 'stub'), join(dir, 'missing')]), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hosts file maps every container name and alias of the job', () => {
  const text = renderHostsFile([
    { ip: '10.89.0.2', names: ['db', 'database'] },
    { ip: '10.89.0.3', names: ['step-1'] },
  ]);
  assert.match(text, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(text, /^10\.89\.0\.2\tdb database$/m);
  assert.match(text, /^10\.89\.0\.3\tstep-1$/m);
});
