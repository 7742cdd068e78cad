import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { type CiSystem, startCiSystem } from './helpers/ci-system.js';
import { git, testGitRepo } from './helpers/git-repo.js';

// A job's artifacts go to the registry from its runner and come back through the API of any
// server, byte for byte, as attachments that never run in a viewer's page.

let ci: CiSystem;
let artifactRepo: string;

before(async () => {
  ci = await startCiSystem({
    serverArgs: (registry) => ['--artifact-registry', `${registry.host}/slipway/artifacts`],
  });
  artifactRepo = `${ci.registry.host}/slipway/artifacts`;
  await ci.startRunner('art-runner', ['--artifact-registry', artifactRepo]);
});

const PIPELINE = `image: busybox:latest
jobs:
  make:
    artifacts: [dist/**]
    steps:
      - run: mkdir -p "dist/sub dir" && head -c 300000 /dev/urandom > dist/blob.bin && printf '<script>alert(1)</script>' > "dist/sub dir/page é.html" && sha256sum dist/blob.bin
`;

const get = (base: string, path: string, token: string | undefined = ci.token) =>
  fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('job artifacts through the API', () => {
  it('are downloaded byte-identical, from any server, as safe attachments', async (t) => {
    const { bare } = await ci.addRepo('github', 'acme/artifacts');
    const work = await testGitRepo({ '.slipway.yml': PIPELINE });
    git(work.dir, 'push', '-q', bare, 'main');
    const [run] = await ci.finishedRuns('acme/artifacts', 1);
    assert.equal(run?.status, 'success');
    const jobId = run?.jobs[0] as string;
    const log = await (await get(ci.url, `/api/jobs/${jobId}/log`)).text();
    assert.match(log, /artifacts uploaded: 2 file\(s\), 300025 bytes \(\d+ bytes compressed\)/);
    const printed = /([0-9a-f]{64}) {2}dist\/blob\.bin/.exec(log)?.[1];
    assert.ok(printed, log);

    const list = (await (await get(ci.url, `/api/jobs/${jobId}/artifacts`)).json()) as {
      stored: boolean;
      files: { path: string; size: number; url: string }[];
    };
    assert.equal(list.stored, true);
    assert.deepEqual(
      list.files.map((f) => [f.path, f.size]),
      [
        ['dist/blob.bin', 300000],
        ['dist/sub dir/page é.html', 25],
      ],
    );

    const blob = await get(ci.url, list.files[0]?.url as string);
    assert.equal(blob.status, 200);
    const bytes = Buffer.from(await blob.arrayBuffer());
    assert.equal(bytes.length, 300000);
    assert.equal(sha256(bytes), printed, 'the download is the file the step wrote');
    assert.equal(blob.headers.get('content-type'), 'application/octet-stream');
    assert.equal(blob.headers.get('content-disposition'), 'attachment; filename=blob.bin');
    t.diagnostic(`artifact sha256 ${printed} downloaded identical (${bytes.length} bytes)`);

    const page = await get(ci.url, list.files[1]?.url as string);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), '<script>alert(1)</script>');
    assert.equal(page.headers.get('content-type'), 'application/octet-stream');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(page.headers.get('content-security-policy') ?? '', /^sandbox/);
    assert.match(
      page.headers.get('content-disposition') ?? '',
      /^attachment; .*filename\*=UTF-8''page%20%C3%A9\.html/,
    );

    // Stored in the registry as the job's artifact, so a server with an empty data dir serves it too.
    const manifest = await fetch(`http://${artifactRepo.replace('/', '/v2/')}/manifests/artifacts-${jobId}`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(manifest.status, 200);
    assert.equal(
      ((await manifest.json()) as { artifactType: string }).artifactType,
      'application/vnd.slipway.job-artifacts.v1',
    );
    const other = await ci.addServer();
    const again = Buffer.from(await (await get(other.url, list.files[0]?.url as string)).arrayBuffer());
    assert.equal(sha256(again), printed, 'the other server fetched the same bytes from the registry');

    // The job page links them.
    const html = await (
      await fetch(`${ci.url}/jobs/${jobId}`, { headers: { cookie: `slipway_token=${ci.token}` } })
    ).text();
    assert.ok(html.includes(`href="/api/jobs/${jobId}/artifacts/dist/blob.bin"`), html);
    assert.ok(html.includes(`href="/api/jobs/${jobId}/artifacts/dist/sub%20dir/page%20%C3%A9.html"`));
  });

  it('serve only the listed files of a job the caller may read', async () => {
    const [run] = await ci.finishedRuns('acme/artifacts', 1);
    const jobId = run?.jobs[0] as string;
    assert.equal((await get(ci.url, `/api/jobs/${jobId}/artifacts/dist/blob.bin`, '')).status, 401);
    for (const path of [
      'dist/none.bin',
      'dist/%2e%2e/%2e%2e/etc/passwd',
      '..%2F..%2Fsecret.key',
      'dist',
      'dist/',
    ]) {
      const res = await get(ci.url, `/api/jobs/${jobId}/artifacts/${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: string }).error, 'not_found');
    }
    assert.equal((await get(ci.url, `/api/jobs/${jobId}/artifacts/%E0%A4%A`)).status, 400);
    assert.equal((await get(ci.url, '/api/jobs/nosuchrun-1/artifacts/dist/blob.bin')).status, 404);
  });
});
