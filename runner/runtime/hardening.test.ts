import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MEMORY_BYTES, defaultMemoryBytes, effectiveLimits } from './hardening.js';

const GiB = 1024 ** 3;

test('a container with no limits anywhere gets the memory default', () => {
  assert.deepEqual(effectiveLimits(undefined, undefined, 2 * GiB), { memoryBytes: 2 * GiB });
  assert.deepEqual(effectiveLimits({}, { pids: 100, cpus: 1 }, 2 * GiB), {
    memoryBytes: 2 * GiB,
    pids: 100,
    cpus: 1,
  });
  assert.equal(effectiveLimits(undefined, undefined).memoryBytes, defaultMemoryBytes());
});

test("the runner's --memory overrides the default, the pipeline's resources override both", () => {
  assert.equal(effectiveLimits(undefined, { memoryBytes: GiB }, 2 * GiB).memoryBytes, GiB);
  assert.equal(effectiveLimits({ memoryBytes: 3 * GiB }, { memoryBytes: GiB }, 2 * GiB).memoryBytes, 3 * GiB);
  assert.equal(effectiveLimits({ memoryBytes: undefined }, undefined, 2 * GiB).memoryBytes, 2 * GiB);
});

test('the default is 2 GiB, at most half of the host memory', () => {
  assert.equal(DEFAULT_MEMORY_BYTES, 2 * GiB);
  assert.equal(defaultMemoryBytes(64 * GiB), 2 * GiB);
  assert.equal(defaultMemoryBytes(3 * GiB), 1.5 * GiB);
  assert.equal(defaultMemoryBytes(1 * GiB), 512 * 1024 ** 2);
});
