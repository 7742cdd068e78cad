import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, test } from 'node:test';
import { runTool, tryTool } from '../lib/proc.js';
import {
  addJobRules,
  ensureHostFirewall,
  listRulesByLabel,
  removeRulesByLabel,
  withHostFirewallLock,
} from '../runner/runtime/network/firewall.js';
import { restoreLine } from '../runner/runtime/network/firewall-tables.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';

// The host firewall is checked with one iptables-save per job and a job's rules go in and out
// in one iptables-restore each; what a job relies on must hold as it did rule by rule.

before(() => {
  requireRoot();
  requireBinary('iptables-save', 'iptables');
  requireBinary('ip6tables-restore', 'iptables');
});

const V6_RULE = ['-t', 'filter', 'SLIPWAY-FORWARD', '-o', 'slw+', '-j', 'DROP'];
const v6 = (op: string) => ['-w', V6_RULE[0] as string, V6_RULE[1] as string, op, ...V6_RULE.slice(2)];
const count = (text: string, line: string) => text.split('\n').filter((l) => l === line).length;

test('a static rule removed from the host is back for the next job, once, after a check that found all in place', async () => {
  await ensureHostFirewall();
  await ensureHostFirewall(); // the last full check found everything: this one takes the short path
  // Jobs are IPv4-only: taking this IPv6 rule away opens nothing for the tests alongside. Their
  // jobs repair the firewall too, so the rule goes and is seen gone under the lock they take.
  await withHostFirewallLock(async () => {
    await runTool('ip6tables', v6('-D'));
    assert.notEqual((await tryTool('ip6tables', v6('-C'))).code, 0, 'the rule is gone');
  });
  await ensureHostFirewall();
  assert.equal((await tryTool('ip6tables', v6('-C'))).code, 0, 'the next job put the rule back');
  await ensureHostFirewall();
  const saved = await runTool('ip6tables-save', []);
  assert.equal(count(saved, '-A SLIPWAY-FORWARD -o slw+ -j DROP'), 1, 'the rule is there once');
  assert.equal(count(saved, '-A FORWARD -j SLIPWAY-FORWARD'), 1, 'the jump is there once');
});

test('jobs starting at once that all find a static rule missing put it back once', async () => {
  await ensureHostFirewall();
  await withHostFirewallLock(() => runTool('ip6tables', v6('-D')));
  await Promise.all(Array.from({ length: 4 }, () => ensureHostFirewall()));
  const saved = await runTool('ip6tables-save', []);
  assert.equal(count(saved, '-A SLIPWAY-FORWARD -o slw+ -j DROP'), 1, saved);
  assert.equal(count(saved, '-A FORWARD -j SLIPWAY-FORWARD'), 1, saved);
});

test('a missing static rule is put back only under the host-wide lock (another runner may hold it)', async () => {
  await ensureHostFirewall();
  let repair: Promise<void> | undefined;
  await withHostFirewallLock(async () => {
    await runTool('ip6tables', v6('-D'));
    repair = ensureHostFirewall();
    await new Promise((r) => setTimeout(r, 300));
    assert.notEqual((await tryTool('ip6tables', v6('-C'))).code, 0, 'repaired while the lock was held');
  });
  await repair;
  const saved = await runTool('ip6tables-save', []);
  assert.equal(count(saved, '-A SLIPWAY-FORWARD -o slw+ -j DROP'), 1, saved);
});

test("a job's rules go in before the static ones, in order, and come out by label (again: nothing)", async () => {
  await ensureHostFirewall();
  const label = `slipway:fwtest00:${randomBytes(5).toString('hex')}`;
  const bridge = `slwt${randomBytes(3).toString('hex')}`;
  await addJobRules({ bridge, subnet: '10.254.77.0/24', label, egress: { deny: ['192.0.2.0/24'] } });
  const forward = (await runTool('iptables', ['-w', '-S', 'SLIPWAY-FORWARD'])).split('\n');
  const ours = forward.flatMap((l, i) => (l.includes(label) ? [i] : []));
  const firstStatic = forward.findIndex(
    (l) => l.startsWith('-A SLIPWAY-FORWARD') && !l.includes('--comment'),
  );
  assert.equal(ours.length, 2, forward.join('\n'));
  assert.equal(ours[1], (ours[0] as number) + 1, 'the job rules stay together');
  assert.ok((ours[1] as number) < firstStatic, 'the job rules come before the static ones');
  assert.match(forward[ours[0] as number] as string, new RegExp(`-i ${bridge} -o ${bridge} .*-j ACCEPT`));
  assert.match(forward[ours[1] as number] as string, /-d 192\.0\.2\.0\/24 .*-j REJECT/);
  const listed = await listRulesByLabel(label);
  assert.deepEqual(
    listed.map((r) => r.table),
    ['filter', 'filter', 'nat'],
  );
  assert.equal(await removeRulesByLabel(label), 3);
  assert.equal(await removeRulesByLabel(label), 0);
  assert.ok(!(await runTool('iptables-save', [])).includes(label), 'no rule of the job is left');
});

test('an argument that would need quoting is never put in a restore line', () => {
  assert.equal(
    restoreLine(['-I', 'SLIPWAY-FORWARD', '1', '-d', '10.0.0.0/8', '!', '-o', 'slw1']),
    '-I SLIPWAY-FORWARD 1 -d 10.0.0.0/8 ! -o slw1',
  );
  for (const bad of ['a b', 'x\n-A INPUT -j ACCEPT', '"q"', "it's", ''])
    assert.equal(restoreLine(['-I', 'SLIPWAY-FORWARD', '1', '-d', bad]), undefined, JSON.stringify(bad));
});
