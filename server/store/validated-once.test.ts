import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { validatedOnce } from './validated-once.js';

// A record's spec is checked in full when it is new, and not again each time the record
// around it is rewritten; an invalid one is never stored.

describe('a record part validated once', () => {
  let checks = 0;
  const Spec = z.strictObject({ image: z.string().min(1) }).refine(() => ++checks > 0);
  const Record = z.strictObject({ state: z.string(), spec: validatedOnce(Spec) });

  it('checks a new spec in full, then passes the same (frozen) one without checking it again', () => {
    checks = 0;
    const first = Record.parse({ state: 'queued', spec: { image: 'busybox' } });
    assert.equal(checks, 1);
    assert.ok(Object.isFrozen(first.spec), 'the checked spec is frozen: it cannot change unseen');
    const again = Record.parse({ ...first, state: 'running' });
    assert.equal(checks, 1, 'the same spec is not checked again');
    assert.equal(again.spec, first.spec);
    Record.parse({ ...first, spec: { ...first.spec } });
    assert.equal(checks, 2, 'an equal copy is a new object: checked');
  });

  it('refuses an invalid spec with its path and message, and an unknown key', () => {
    const bad = Record.safeParse({ state: 'queued', spec: { image: '' } });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['spec', 'image']);
    assert.match(bad.error?.issues[0]?.message ?? '', /at least 1|too small|>=1/i);
    assert.equal(Record.safeParse({ state: 'queued', spec: { image: 'a', extra: 1 } }).success, false);
  });
});
