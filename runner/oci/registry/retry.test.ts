import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlipwayError } from '../../../lib/errors.js';
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
