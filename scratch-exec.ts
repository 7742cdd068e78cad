import { createExecutor } from './runner/executor/index.js';
import { openRunnerHost } from './runner/host.js';
import { seedStore } from './test/helpers/seed-store.js';
import { testGitRepo } from './test/helpers/git-repo.js';
import { makeEvent, parsePipeline, planRun } from './pipelines/index.js';
const dataDir = '/tmp/scratch-exec-data';
await seedStore(dataDir, 'busybox', ['busybox:latest']);
const host = await openRunnerHost({ dataDir });
const exec = createExecutor({ host: { ...host, registry: await host.registry() }, runtime: await host.runtime() });
const repo = await testGitRepo({ 'a.txt': 'x' });
const parsed = parsePipeline('image: busybox:latest\njobs:\n  a:\n    steps:\n      - run: echo hi\n', '.slipway.yml');
if (!parsed.ok) throw new Error('x');
for (let i = 0; i < 4; i++) {
  const planned = planRun(parsed, makeEvent({ run: { id: `r${i}x`, number: 1 } }));
  if (!planned.ok) throw new Error('y');
  const spec = planned.plan.jobs[0]!.spec;
  const t0 = Date.now();
  await exec(spec, { kind: 'git', url: repo.dir, commit: repo.sha }, {
    log: (_s, l) => process.stderr.write(`L ${Date.now() - t0} ${l.text}\n`),
    stepStarted: () => process.stderr.write(`S ${Date.now() - t0}\n`),
  } as never);
  console.error('total', Date.now() - t0);
}
process.exit(0);
