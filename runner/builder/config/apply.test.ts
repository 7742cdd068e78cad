import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGlobalArgs, evaluateStage } from '../dockerfile/evaluate.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { type ApplyResult, applyInstruction, type StageConfigState, startStage } from './apply.js';
import type { ImageConfig } from './types.js';

const base: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/bin'], Cmd: ['sh'], OnBuild: ['RUN echo trigger'] },
  rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
  history: [{ created_by: 'base' }],
};

/** Builds the config of the last stage of `text` on top of `from`. */
function build(text: string, from: ImageConfig | 'scratch' = base) {
  const p = parseDockerfile(text);
  assert.ok(p.ok);
  const g = evaluateGlobalArgs(p.value, {});
  assert.ok(g.ok);
  const { state: start, triggers } = startStage(from);
  const stage = p.value.stages.at(-1)!;
  const steps = evaluateStage(p.value, stage, {
    buildArgs: {},
    globals: g.value,
    baseEnv: start.image.config.Env ?? [],
  });
  assert.ok(steps.ok);
  let state: StageConfigState = start;
  const results: ApplyResult[] = [];
  for (const s of steps.value) {
    const r = applyInstruction(state, s.instruction, { args: s.args, created: '2024-01-01T00:00:00Z' });
    results.push(r);
    if ('error' in r) return { error: r.error, state, triggers, results };
    state = r.state;
  }
  return { state, triggers, results, error: undefined };
}

test('ENTRYPOINT resets an inherited CMD but keeps a CMD set earlier in the stage', () => {
  assert.equal(build('FROM b\nENTRYPOINT ["/app"]').state.image.config.Cmd, null);
  assert.deepEqual(build('FROM b\nCMD ["x"]\nENTRYPOINT ["/app"]').state.image.config.Cmd, ['x']);
  const c = build('FROM b\nENTRYPOINT ["/app"]\nCMD ["y"]').state.image.config;
  assert.deepEqual([c.Entrypoint, c.Cmd], [['/app'], ['y']]);
});

test('shell forms use the current SHELL; WORKDIR resolves relative paths', () => {
  const c = build('FROM b\nWORKDIR app\nWORKDIR sub/../x\nSHELL ["/bin/bash", "-eu", "-c"]\nCMD echo $HOME')
    .state.image.config;
  assert.equal(c.WorkingDir, '/app/x');
  assert.deepEqual(c.Cmd, ['/bin/bash', '-eu', '-c', 'echo $HOME']);
  assert.deepEqual(c.Shell, ['/bin/bash', '-eu', '-c']);
});

test('ENV, LABEL, EXPOSE, VOLUME, USER, STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER', () => {
  const { state, triggers } = build(
    'FROM b\nENV PATH=/usr/bin:$PATH A=1\nLABEL a=1 b="two words"\nEXPOSE 80 53/udp 8000-8001\nVOLUME /data /logs\nVOLUME ["/json dir"]\nUSER app:app\nSTOPSIGNAL SIGQUIT\nHEALTHCHECK --interval=5s --retries=2 CMD curl -f localhost\nONBUILD COPY . /src\nMAINTAINER me',
  );
  const c = state.image.config;
  assert.deepEqual(triggers, ['RUN echo trigger']);
  assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'A=1']);
  assert.deepEqual(c.Labels, { a: '1', b: 'two words' });
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/logs', '/json dir']);
  assert.equal(c.User, 'app:app');
  assert.equal(c.StopSignal, 'SIGQUIT');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 5e9, Retries: 2 });
  assert.deepEqual(c.OnBuild, ['COPY . /src']);
  assert.equal(state.image.author, 'me');
  assert.deepEqual(build('FROM b\nHEALTHCHECK NONE').state.image.config.Healthcheck, { Test: ['NONE'] });
});

test('history: Docker classic created_by, empty_layer for metadata, RUN prefixed with its args', () => {
  const { state, results } = build(
    'FROM b\nARG V=1\nENV A=x\nRUN echo $A\nWORKDIR /w\nCMD ["sh"]\nCOPY f /f',
  );
  const h = state.image.history.slice(1);
  assert.deepEqual(
    h.map((e) => [e.created_by, e.empty_layer ?? false]),
    [
      ['/bin/sh -c #(nop)  ARG V=1', true],
      ['/bin/sh -c #(nop)  ENV A=x', true],
      ['|1 V=1 /bin/sh -c echo $A', false],
      ['/bin/sh -c #(nop) WORKDIR /w', true],
      ['/bin/sh -c #(nop)  CMD ["sh"]', true],
      ['/bin/sh -c #(nop) COPY f in /f ', false],
    ],
  );
  assert.deepEqual(
    results.map((r) => 'layer' in r && r.layer),
    [false, false, true, false, false, true],
  );
  assert.equal(h[0]!.created, '2024-01-01T00:00:00Z');
});

test('scratch starts with the default PATH and WorkingDir /; bad EXPOSE and STOPSIGNAL are errors', () => {
  const scratch = build('FROM scratch\nLABEL a=b', 'scratch').state.image.config;
  assert.deepEqual(scratch.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  assert.equal(scratch.WorkingDir, '/');
  assert.equal(build('FROM scratch\nWORKDIR app', 'scratch').state.image.config.WorkingDir, '/app');
  assert.match(build('FROM b\nEXPOSE 99999').error ?? '', /invalid port range/);
  assert.match(build('FROM b\nEXPOSE 80/xyz').error ?? '', /invalid protocol/);
  assert.match(build('FROM b\nSTOPSIGNAL SIGNOPE').error ?? '', /invalid STOPSIGNAL/);
});

test('the base config is never modified', () => {
  const before = structuredClone(base);
  build('FROM b\nENV X=1\nLABEL a=b\nONBUILD RUN x');
  assert.deepEqual(base, before);
});
