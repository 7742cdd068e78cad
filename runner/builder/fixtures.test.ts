import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyInstruction, startStage } from './config/apply.js';
import type { ImageConfig } from './config/types.js';
import { loadIgnore } from './context/ignore.js';
import { resolveSources } from './context/sources.js';
import { evaluateGlobalArgs, evaluateStage } from './dockerfile/evaluate.js';
import { parseDockerfile } from './dockerfile/parse.js';
import { buildStageGraph } from './dockerfile/stages.js';

const ROOT = join(import.meta.dirname, '../../test/fixtures/dockerfiles');
const BUSYBOX: ImageConfig = {
  architecture: 'amd64',
  os: 'linux',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: [] },
  history: [],
};

/**
 * Every conformance fixture goes through the pure front half: parse, stage graph, substitution,
 * config evolution and (for local COPY/ADD) source resolution in its own context.
 */
test('every Dockerfile fixture parses, evaluates and resolves its sources', async () => {
  const dirs = (await readdir(ROOT, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  assert.ok(dirs.length >= 60, `expected at least 60 fixtures, found ${dirs.length}`);
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  for (const name of dirs.sort()) {
    assert.ok(readme.includes(`\`${name}\``), `README does not list ${name}`);
    const ctx = join(ROOT, name);
    const parsed = parseDockerfile(await readFile(join(ctx, 'Dockerfile'), 'utf8'), `${name}/Dockerfile`);
    assert.ok(parsed.ok, `${name}: ${JSON.stringify(!parsed.ok && parsed.errors)}`);
    const df = parsed.value;
    const globals = evaluateGlobalArgs(df, {});
    assert.ok(globals.ok);
    const graph = buildStageGraph(df, undefined, {}, globals.value);
    assert.ok(graph.ok, `${name}: ${JSON.stringify(!graph.ok && graph.errors)}`);
    const ignored = await loadIgnore(ctx, join(ctx, 'Dockerfile'));
    const configs = new Map<number, ImageConfig>();
    for (const i of graph.value.order) {
      const stage = df.stages[i]!;
      const base = graph.value.bases.get(i)!;
      const from =
        base.kind === 'scratch' ? 'scratch' : base.kind === 'stage' ? configs.get(base.index)! : BUSYBOX;
      let { state } = startStage(from);
      const steps = evaluateStage(df, stage, {
        buildArgs: {},
        globals: globals.value,
        baseEnv: state.image.config.Env ?? [],
      });
      assert.ok(steps.ok, `${name}: ${JSON.stringify(!steps.ok && steps.errors)}`);
      for (const s of steps.value) {
        const ins = s.instruction;
        if ((ins.kind === 'COPY' || ins.kind === 'ADD') && ins.from === undefined) {
          const paths = ins.sources.flatMap((x) => (x.kind === 'path' ? [x.path] : []));
          if (paths.length)
            await resolveSources(ctx, ignored, paths, ins.dest, state.image.config.WorkingDir);
        }
        const r = applyInstruction(state, ins);
        assert.ok(!('error' in r), `${name}:${ins.line}: ${'error' in r ? r.error : ''}`);
        state = r.state;
      }
      configs.set(i, state.image);
    }
  }
});
