import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCacheEntry } from '../cache/store/entry.js';
import { evaluateGlobalArgs, evaluateStage } from '../dockerfile/evaluate.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { startStage } from './apply.js';
import { describeChange } from './change.js';
import { StageConfig } from './stage-config.js';
import type { ImageConfig } from './types.js';

const base: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/bin', 'A=base'], Cmd: ['sh'], Labels: { l: '0' } },
  rootfs: { type: 'layers', diff_ids: [] },
  history: [{ created_by: 'base' }],
};

const DOCKERFILE = `FROM b
ENV A=1 B=2
LABEL l=1 m=2
SHELL ["/bin/bash", "-c"]
CMD echo hi
ENTRYPOINT ["/e"]
WORKDIR app
WORKDIR sub
USER u
EXPOSE 80 90-91/udp
VOLUME /v
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s CMD true
ONBUILD RUN x
ENV A=3
MAINTAINER me
`;

/** Each instruction's cache entry, as it is stored (JSON) and read back. */
function entries(): { change: unknown; history: unknown }[] {
  const p = parseDockerfile(DOCKERFILE);
  assert.ok(p.ok);
  const g = evaluateGlobalArgs(p.value, {});
  assert.ok(g.ok);
  const { state } = startStage(base);
  const steps = evaluateStage(p.value, p.value.stages[0]!, { buildArgs: {}, globals: g.value, baseEnv: [] });
  assert.ok(steps.ok);
  const config = new StageConfig(state);
  return steps.value.map((s) => {
    const d = describeChange(config.state, s.instruction, { created: '2024-01-01T00:00:00Z' });
    assert.ok(!('error' in d), JSON.stringify(d));
    config.apply(d.change, d.history);
    return JSON.parse(JSON.stringify({ layer: null, change: d.change, history: d.history }));
  });
}

test('replaying stored entries on the base config rebuilds the config the instructions made', () => {
  const stored = entries();
  const replayed = new StageConfig(startStage(base).state);
  for (const e of stored) {
    const entry = parseCacheEntry(e);
    assert.ok(entry, `not a valid entry: ${JSON.stringify(e)}`);
    replayed.apply(entry.change, entry.history);
  }
  const c = replayed.state.image.config;
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=3', 'B=2']);
  assert.deepEqual(c.Labels, { l: '1', m: '2' });
  assert.deepEqual(c.Cmd, ['/bin/bash', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/e']);
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.User, 'u');
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '90/udp', '91/udp']);
  assert.deepEqual(c.Volumes, { '/v': {} });
  assert.equal(c.StopSignal, 'SIGTERM');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9 });
  assert.deepEqual(c.OnBuild, ['RUN x']);
  assert.equal(replayed.state.image.author, 'me');
  assert.equal(replayed.state.image.history.length, 1 + stored.length);
  assert.equal(replayed.state.image.created, '2024-01-01T00:00:00Z');
});

test('an ENV entry holds only its own change, however many ENVs came before', () => {
  const n = 2000;
  const p = parseDockerfile(
    `FROM scratch\n${Array.from({ length: n }, (_, i) => `ENV V${i}=${i}`).join('\n')}`,
  );
  assert.ok(p.ok);
  const steps = evaluateStage(p.value, p.value.stages[0]!, {
    buildArgs: {},
    globals: new Map(),
    baseEnv: [],
  });
  assert.ok(steps.ok);
  const config = new StageConfig(startStage('scratch').state);
  let largest = 0;
  for (const s of steps.value) {
    const d = describeChange(config.state, s.instruction, { created: '2024-01-01T00:00:00Z' });
    assert.ok(!('error' in d));
    config.apply(d.change, d.history);
    largest = Math.max(largest, JSON.stringify({ layer: null, change: d.change, history: d.history }).length);
  }
  assert.equal(config.state.image.config.Env?.length, n + 1);
  assert.ok(largest < 200, `the largest ENV entry is ${largest} bytes`);
});

test('an entry of the old shape (a whole config state) is not an entry', () => {
  assert.equal(parseCacheEntry({ layer: null, state: { cmdSet: false, image: base } }), undefined);
});
