import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../../../lib/errors.js';
import { parseRetryAfter } from './errors.js';
import { isRetryable, withRetry } from './retry.js';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

test('temporary errors and connection resets are retried until success', async () => {
  let calls = 0;
  const result = await withRetry(async () => {
    calls++;
    if (calls === 1) throw new SlipwayError('503', { category: 'temporary' });
    if (calls === 2)
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) });
    return 'ok';
  }, fast);
  assert.equal(result, 'ok');
  assert.equal(calls, 3);
});

test('permanent errors are thrown at once; attempts are bounded', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new SlipwayError('denied', { category: 'permanent' });
    }, fast),
    /denied/,
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new SlipwayError('busy', { category: 'temporary' });
    }, fast),
    /busy/,
  );
  assert.equal(calls, 3);
  assert.equal(isRetryable(new Error('plain')), false);
});

test('Retry-After in seconds or as an HTTP date; a hint longer than maxDelayMs is waited out', async () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:02 GMT', now), 2000);
  for (const v of [null, '', '0', 'soon', 'Wed, 31 Dec 2025 23:59:00 GMT'])
    assert.equal(parseRetryAfter(v, now), undefined, String(v));
  let calls = 0;
  const started = Date.now();
  await withRetry(async () => {
    if (++calls === 1)
      throw new SlipwayError('429', { category: 'temporary', context: { retryAfterMs: 300 } });
  }, fast);
  assert.ok(Date.now() - started >= 290, 'waited for the hinted 300 ms, not maxDelayMs');
  calls = 0;
  const capped = Date.now();
  await withRetry(
    async () => {
      if (++calls === 1)
        throw new SlipwayError('429', { category: 'temporary', context: { retryAfterMs: 3_600_000 } });
    },
    { ...fast, maxRetryAfterMs: 20 },
  );
  assert.ok(Date.now() - capped < 1000, 'an hour-long hint is capped by maxRetryAfterMs');
});
