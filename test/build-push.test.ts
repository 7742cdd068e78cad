import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runTool } from '../lib/proc.js';
import type { JobResult } from '../pipelines/index.js';
import { loadPipelines, makeEvent, planRun } from '../pipelines/index.js';
import { runPlanLocally } from '../runner/executor/index.js';
import { openRunnerHost } from '../runner/host.js';
import { busyboxDataDir, makeContext, printedDigest, slipwayCli } from './build-helpers.js';
import { type TestRegistry, testRegistry } from './helpers/registry.js';
import { requireBinary } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';

let dataDir: string;
let registry: TestRegistry;
before(async () => {
  requireBinary('skopeo', 'skopeo');
  dataDir = await busyboxDataDir();
  registry = await testRegistry();
});

/**
 * Pulls `ref` back from the registry with skopeo (every blob, digests preserved) and returns
 * the digest of the manifest it got, computed here from the bytes.
 */
async function pulledDigest(ref: string): Promise<string> {
  const raw = await runTool('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
  const layout = await tempDir('pulled');
  await runTool('skopeo', [
    'copy',
    '--preserve-digests',
    '--src-tls-verify=false',
    `docker://${ref}`,
    `oci:${layout}:x`,
  ]);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  assert.equal(index.manifests[0].digest, digest, `${ref}: the copied manifest is the inspected one`);
  return digest;
}

test('slipway build --push pushes every tag, each pulling back as the printed digest', async () => {
  const ctx = await makeContext({ Dockerfile: 'FROM busybox:latest\nRUN echo pushed > /pushed\n' });
  const tags = [`${registry.host}/cli/app:a`, `${registry.host}/cli/app:b`];
  const r = await slipwayCli([
    'build',
    '--data-dir',
    dataDir,
    '--network',
    'none',
    '--push',
    ...tags.flatMap((t) => ['-t', t]),
    ctx,
  ]);
  assert.equal(r.code, 0, r.out + r.err);
  const digest = printedDigest(r.out);
  for (const tag of tags) {
    assert.match(r.out, new RegExp(`^pushed ${tag.replace(/[.]/g, '\\.')} ${digest}$`, 'm'));
    assert.equal(await pulledDigest(tag), digest, tag);
  }
});

test('a pipeline build job with push: true pushes every interpolated tag and records the digest', async () => {
  const repo = await makeContext({
    Dockerfile: 'FROM busybox:latest\nRUN echo from-pipeline > /built\n',
    '.slipway.yml': `jobs:
  image:
    build:
      context: .
      tags: ['${registry.host}/pipe/app:\${CI_COMMIT_SHORT_SHA}', '${registry.host}/pipe/app:latest']
      push: true
`,
  });
  const [loaded] = await loadPipelines(repo);
  assert.ok(loaded?.result.ok, JSON.stringify(loaded?.result));
  const planned = planRun(
    loaded.result,
    makeEvent({ commit: { sha: 'feedc0de'.repeat(5), message: 'm', author: 'a' } }),
  );
  assert.ok(planned.ok, JSON.stringify(planned));
  // The test registry is on loopback: a runner reaches it only when configured to.
  const host = await openRunnerHost({ dataDir, hostRegistries: [registry.host] });
  const logs: string[] = [];
  const results: JobResult[] = await runPlanLocally(
    planned.plan,
    { kind: 'dir', path: repo },
    { host, runtime: await host.runtime() },
    { log: (_source, line) => logs.push(line.text) },
  );
  const job = results[0];
  assert.equal(job?.status, 'success', `${job?.error?.message}\n${logs.join('\n')}`);
  const image = job.image;
  assert.ok(image, 'the JobResult records the built image');
  assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(image.pushed, true);
  const tags = [`${registry.host}/pipe/app:feedc0de`, `${registry.host}/pipe/app:latest`];
  assert.deepEqual(image.refs, tags);
  for (const tag of tags) {
    assert.ok(logs.includes(`pushed ${tag} ${image.digest}`), logs.join('\n'));
    assert.equal(await pulledDigest(tag), image.digest, tag);
  }
});
