import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

const root = new URL('..', import.meta.url).pathname;

describe('slipway up (the README quick start)', () => {
  it('starts redis and a registry, builds busybox from busybox-static and runs the demo pipeline', async () => {
    requireRoot();
    for (const [bin, pkg] of [
      ['runc', 'runc'],
      ['redis-server', 'redis-server'],
      ['docker-registry', 'docker-registry'],
      ['busybox', 'busybox-static'],
    ] as const)
      requireBinary(bin, pkg);
    const dataDir = await tempDir('up');
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [join(root, 'bin/slipway.mjs'), 'up', '--once', '--data-dir', dataDir],
        {
          env: { ...process.env, NO_COLOR: '1', SLIPWAY_LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      child.stdout.on('data', (b) => (text += b));
      child.stderr.on('data', (b) => (text += b));
      child.on('exit', (c) => resolve({ code: c ?? 1, out: text }));
    });
    assert.equal(code, 0, out);
    assert.match(out, /^redis\s+redis:\/\/127\.0\.0\.1:\d+/m);
    assert.match(out, /^registry\s+http:\/\/127\.0\.0\.1:\d+/m);
    assert.match(out, /docker\.io\/library\/busybox:latest built from busybox-static/);
    assert.match(out, /hello from demo/);
    assert.match(out, /pipeline demo: passed/);
  });
});
