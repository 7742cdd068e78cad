/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables are the subject under test */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateFrom, evaluateGlobalArgs, evaluateStage } from './evaluate.js';
import { parseDockerfile } from './parse.js';
import { buildStageGraph } from './stages.js';

function setup(text: string, buildArgs: Record<string, string> = {}) {
  const p = parseDockerfile(text);
  assert.ok(p.ok, p.ok ? '' : JSON.stringify(p.errors));
  const g = evaluateGlobalArgs(p.value, buildArgs);
  assert.ok(g.ok);
  return { df: p.value, globals: g.value, buildArgs };
}
function steps(text: string, buildArgs: Record<string, string> = {}, stage = 0) {
  const { df, globals } = setup(text, buildArgs);
  const r = evaluateStage(df, df.stages[stage]!, {
    buildArgs,
    globals,
    baseEnv: ['PATH=/bin', 'HOME=/root'],
  });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.value;
}

test('EXPOSE: a variable holding several ports gives several ports, as in Docker', () => {
  const s = steps('FROM a\nARG PORTS="3000 4000/udp"\nEXPOSE $PORTS 5000\nEXPOSE ${NONE}\n');
  const i = s.map((x) => x.instruction);
  assert.deepEqual(i[1]?.kind === 'EXPOSE' && i[1].values, ['3000', '4000/udp', '5000']);
  assert.deepEqual(i[2]?.kind === 'EXPOSE' && i[2].values, []);
});

test('substitution where Docker applies it, never in RUN/CMD text', () => {
  const s = steps(
    'FROM a\nENV D=/srv N=web\nWORKDIR $D/${N}\nRUN echo $D\nCMD echo $D\nCOPY ${N}.conf $D/\nLABEL k=$N\nUSER ${N:-x}\nEXPOSE ${P:-80}/udp\n',
  );
  const i = s.map((x) => x.instruction);
  assert.equal(i[1]?.kind === 'WORKDIR' && i[1].value, '/srv/web');
  assert.equal(i[2]?.kind === 'RUN' && i[2].command.form === 'shell' && i[2].command.text, 'echo $D');
  assert.equal(i[3]?.kind === 'CMD' && i[3].command.form === 'shell' && i[3].command.text, 'echo $D');
  assert.deepEqual(i[4]?.kind === 'COPY' && [i[4].sources, i[4].dest], [
    [{ kind: 'path', path: 'web.conf' }],
    '/srv/',
  ]);
  assert.deepEqual(i[5]?.kind === 'LABEL' && i[5].pairs, [{ key: 'k', value: 'web' }]);
  assert.equal(i[6]?.kind === 'USER' && i[6].value, 'web');
  assert.deepEqual(i[7]?.kind === 'EXPOSE' && i[7].values, ['80/udp']);
});

test('ENV sees the base image env and earlier ENV; quotes are removed', () => {
  const s = steps('FROM a\nENV P="$PATH:/x" Q=\'$HOME\' R=a\\ b');
  const env = s[0]!.instruction;
  assert.deepEqual(env.kind === 'ENV' && env.pairs.map((p) => p.value), ['/bin:/x', '$HOME', 'a b']);
});

test('ARG scoping: global only for FROM unless redeclared; build args override; ENV wins', () => {
  const text =
    'ARG V=global\nARG IMG=busybox\nFROM ${IMG}:${V}\nLABEL a=$V\nARG V\nLABEL b=$V\nARG W=def\nLABEL c=$W\nENV W=env\nARG W\nLABEL d=$W\n';
  const { df, globals } = setup(text, { W: 'cli' });
  const from = evaluateFrom(df, df.stages[0]!, globals);
  assert.deepEqual(from.ok && from.value, { image: 'busybox:global', platform: undefined });
  const s = steps(text, { W: 'cli' });
  const labels = s
    .filter((x) => x.instruction.kind === 'LABEL')
    .map((x) => x.instruction.kind === 'LABEL' && x.instruction.pairs[0]!.value);
  assert.deepEqual(labels, ['', 'global', 'cli', 'env']);
  assert.deepEqual(s.at(-1)!.args, { V: 'global', W: 'cli' });
});

test('proxy args reach RUN without ARG but are kept apart; platform args need ARG in a stage', () => {
  const s = steps('FROM a\nRUN x\nARG TARGETARCH\nLABEL arch=$TARGETARCH', { HTTP_PROXY: 'http://p:3128' });
  assert.deepEqual(s[0]!.args, {});
  assert.deepEqual(s[0]!.proxyArgs, { HTTP_PROXY: 'http://p:3128' });
  assert.deepEqual(s[2]!.instruction.kind === 'LABEL' && s[2]!.instruction.pairs[0]!.value, 'amd64');
});

test('RUN mounts are substituted and validated; COPY heredoc expands unless quoted', () => {
  const s = steps(
    "FROM a\nARG ID=go\nRUN --mount=type=cache,id=$ID,target=/c --mount=type=secret,id=tok true\nCOPY <<A <<'B' /d/\n$ID\nA\n$ID\nB\n",
  );
  const run = s[1]!.instruction;
  assert.ok(run.kind === 'RUN');
  assert.deepEqual(run.mounts[0], {
    type: 'cache',
    target: '/c',
    id: 'go',
    sharing: 'shared',
    readonly: false,
    from: undefined,
    source: undefined,
    mode: 0o755,
    uid: 0,
    gid: 0,
  });
  assert.deepEqual(run.mounts[1], {
    type: 'secret',
    id: 'tok',
    target: '/run/secrets/tok',
    required: false,
    mode: 0o400,
    uid: 0,
    gid: 0,
  });
  const copy = s[2]!.instruction;
  assert.deepEqual(copy.kind === 'COPY' && copy.sources.map((x) => x.kind === 'heredoc' && x.body.content), [
    'go\n',
    '$ID\n',
  ]);
  const { df, globals } = setup('FROM a\nARG ID=../..\nRUN --mount=type=cache,id=$ID,target=/c true');
  const bad = evaluateStage(df, df.stages[0]!, { buildArgs: {}, globals, baseEnv: [] });
  assert.ok(!bad.ok && bad.errors[0]!.line === 3 && /must not contain "\.\."/.test(bad.errors[0]!.message));
});

test('--platform other than linux/amd64 is a clear error', () => {
  const { df, globals } = setup('FROM --platform=linux/arm64 a');
  const r = evaluateFrom(df, df.stages[0]!, globals);
  assert.ok(!r.ok && /linux\/amd64 only/.test(r.errors[0]!.message));
});

test('stage graph: only needed stages, dependency order, parallel waves', () => {
  const text = [
    'FROM busybox AS base',
    'FROM base AS a',
    'FROM busybox AS unused',
    'FROM busybox AS b',
    'FROM scratch AS final',
    'COPY --from=a /x /x',
    'COPY --from=1 /y /y',
    'RUN --mount=type=bind,from=b,target=/b true',
  ].join('\n');
  const { df, globals, buildArgs } = setup(text);
  const g = buildStageGraph(df, undefined, buildArgs, globals);
  assert.ok(g.ok);
  assert.deepEqual(g.value.order, [0, 1, 3, 4]);
  assert.deepEqual(g.value.waves, [[0, 3], [1], [4]]);
  assert.deepEqual(g.value.deps.get(4), [1, 3]);
  assert.deepEqual(g.value.bases.get(1), { kind: 'stage', index: 0 });
  const t = buildStageGraph(df, 'b', buildArgs, globals);
  assert.deepEqual(t.ok && t.value.order, [3]);
});

test('unknown stages are errors with the line', () => {
  const { df, globals } = setup(
    'FROM busybox AS build\nFROM busybox\nCOPY --from=buidler /x /x\nCOPY --from=5 /x /x\nCOPY --from=reg.example/img:1 /x /x',
  );
  const g = buildStageGraph(df, undefined, {}, globals);
  assert.ok(!g.ok);
  assert.deepEqual(
    g.errors.map((e) => e.line),
    [3, 4],
  );
  assert.match(g.errors[0]!.message, /unknown stage "buidler" \(earlier stages: build\)/);
  const t = buildStageGraph(df, 'nope', {}, globals);
  assert.ok(!t.ok && /target stage "nope" could not be found/.test(t.errors[0]!.message));
});
