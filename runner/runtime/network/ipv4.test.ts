import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCidr, nthAddress, overlaps, parseCidr, parseIp, subnetPoolSchema, subnets } from './ipv4.js';

test('parses and normalises CIDRs, rejects malformed ones', () => {
  assert.equal(formatCidr(parseCidr('10.89.3.77/24')!), '10.89.3.0/24');
  assert.equal(formatCidr(parseCidr('0.0.0.0/0')!), '0.0.0.0/0');
  for (const bad of ['10.89.0.0', '10.89.0.0/33', '256.1.1.1/8', '10.89/16', '1.2.3.4/8/1', 'x/24']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
  assert.equal(parseIp('255.255.255.255'), 2 ** 32 - 1);
});

test('splits a pool into /24s and finds overlaps', () => {
  const all = [...subnets(parseCidr('10.89.0.0/22')!, 24)].map(formatCidr);
  assert.deepEqual(all, ['10.89.0.0/24', '10.89.1.0/24', '10.89.2.0/24', '10.89.3.0/24']);
  assert.ok(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.89.1.0/24')!));
  assert.ok(overlaps(parseCidr('10.89.1.7/32')!, parseCidr('10.89.1.0/24')!));
  assert.ok(!overlaps(parseCidr('10.89.2.0/24')!, parseCidr('10.89.1.0/24')!));
  assert.equal(nthAddress(parseCidr('10.89.1.0/24')!, 1), '10.89.1.1');
});

test('a subnet pool must be an IPv4 CIDR that holds at least one /24', () => {
  assert.ok(subnetPoolSchema.safeParse('10.89.0.0/16').success);
  const small = subnetPoolSchema.safeParse('10.89.0.0/25');
  assert.ok(!small.success && small.error.issues.some((i) => i.message.includes('/24 or larger')));
  assert.ok(!subnetPoolSchema.safeParse('fd00::/64').success);
});
