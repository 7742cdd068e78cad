import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunnerHeartbeat } from '../../pipelines/index.js';
import type { JobRecord } from '../store/index.js';
import { pendingReason } from './pending.js';

// A queued job that prefers the runner that built its image says so while it waits for it.

const now = Date.now();
const runner = (name: string, running: string[] = []): RunnerHeartbeat => ({
  name,
  labels: ['linux'],
  concurrency: 1,
  running,
  lastSeen: now,
  draining: false,
});
const job = {
  state: 'queued',
  spec: { labels: ['linux'], needs: [] },
  prefer: { runner: 'builder', image: 'reg/app:1', builtBy: 'build', until: now + 8_000 },
} as unknown as JobRecord;

describe('why a queued job waits', () => {
  it('names the runner that built its image while that runner is free and the preference holds', () => {
    const runners = [runner('builder'), runner('other')];
    assert.equal(
      pendingReason(job, [], runners, now),
      'waiting for runner builder, which built its image reg/app:1 (other runners leave it to that one for 8 s more)',
    );
    assert.equal(
      pendingReason(job, [], runners, now + 9_000),
      'waiting for one of 2 idle matching runners to take it',
      'the preference expired',
    );
    assert.equal(
      pendingReason(job, [], [runner('builder', ['x-1']), runner('other')], now),
      'waiting for one of 1 idle matching runner to take it',
      'the builder is busy: any runner takes it',
    );
  });
});
