import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { useExecutorFixture } from './helpers/executor-fixture.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { seedStore } from './helpers/seed-store.js';
import { slipwayCli } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

const TOKEN = 'tok-9f8e7d6c5b4a';
const MULTI = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqh\nkiG9w0BAQEFAASC\n-----END KEY-----';
const multiLines = MULTI.split('\n');

/** Fails naming the first secret text found in `text`. */
function assertNoSecret(text: string, what: string): void {
  for (const s of [TOKEN, ...multiLines]) assert.ok(!text.includes(s), `${what} shows "${s}":\n${text}`);
}

describe('secret values never reach the logs or the results of a job', () => {
  const f = useExecutorFixture();
  const secrets: Record<string, string> = { TOKEN, MULTI, SHORT: 'abc' };
  before(() => {
    f.deps.secret = (name) => secrets[name];
  });

  it('masks a secret echoed on stdout, on stderr, as NAME=value, line by line and across a cut', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  leak:
    secrets: [TOKEN, MULTI, SHORT]
    steps:
      - name: echo
        run: |
          echo "out $TOKEN"
          echo "err $TOKEN" >&2
          env | grep '^TOKEN='
          printf '%s\\n' "$MULTI"
          echo "short $SHORT"
          # a line longer than the runtime keeps in one piece, cut in the middle of the token
          head -c 65530 /dev/zero | tr '\\0' x; echo "$TOKEN-end"
      - name: fail
        run: echo "failing with $TOKEN"; exit 3
`)
      .get('leak')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'failure', out);
    assertNoSecret(out, 'the job log');
    assertNoSecret(JSON.stringify(result), 'the JobResult');
    assert.match(out, /\n\s+out \*\*\*\n/);
    assert.match(out, /\n\s+err \*\*\*\n/);
    assert.match(out, /\n\s+TOKEN=\*\*\*\n/);
    assert.match(out, /\n\s+\*\*\*\n\s+\*\*\*\n\s+\*\*\*\n\s+\*\*\*\n/, 'each line of the multi-line value');
    assert.match(out, /short abc/, 'a value under 4 characters is not masked');
    assert.match(out, /1 secret\(s\) shorter than 4 characters are not masked in logs/);
    assert.match(out.replace(/\n\s+/g, ''), /x{100}\*\*\*-end/, 'the token cut across two pieces');
    assert.match(out, /failing with \*\*\*/);
  });

  it('masks secrets in build output and in the error quoting a failed instruction', async () => {
    const spec = f
      .plan(`image: busybox:latest
jobs:
  image:
    secrets: [TOKEN]
    steps:
      - run: printf 'FROM busybox:latest\\nRUN echo "built with %s" && exit 4\\n' "$TOKEN" > Dockerfile
    build: { context: . }
`)
      .get('image')!;
    const { result, out } = await f.run(spec);
    assert.equal(result.status, 'failure', out);
    assertNoSecret(out, 'the job log');
    assertNoSecret(JSON.stringify(result), 'the JobResult');
    assert.match(out, /built with \*\*\*/);
    assert.match(result.error?.message ?? '', /\*\*\*/, JSON.stringify(result.error));
  });
});

describe('slipway exec --secret and --secret-file', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    dataDir = await tempDir('exec-secrets-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it('takes values from the environment and from files, and prints *** for them', async () => {
    const repo = await tempDir('exec-secrets');
    await writeFile(
      join(repo, '.slipway.yml'),
      `image: busybox:latest
jobs:
  leak:
    secrets: [TOKEN, MULTI]
    steps:
      - run: |
          echo "token $TOKEN" "$TOKEN" >&2
          echo "TOKEN=$TOKEN"
          echo "$MULTI"
          test "$MULTI" = "$(printf '%s' "$MULTI")" && echo "no trailing newline"
`,
    );
    const file = join(await tempDir('exec-secrets-file'), 'key.pem');
    await writeFile(file, `${MULTI}\n`, { mode: 0o600 });
    const res = await slipwayCli(
      ['exec', repo, '--data-dir', dataDir, '--secret', 'TOKEN', '--secret-file', `MULTI=${file}`],
      { TOKEN },
    );
    assert.equal(res.code, 0, res.out + res.err);
    assertNoSecret(res.out + res.err, 'slipway exec');
    assert.match(res.out, /token \*\*\* \*\*\*/);
    assert.match(res.out, /TOKEN=\*\*\*/);
    assert.match(res.out, /no trailing newline/);
    assert.equal((res.out.match(/^\s+\*\*\*$/gm) ?? []).length, multiLines.length, res.out);
  });

  it('refuses a --secret-file that is not a regular file, and a --secret missing from the environment', async () => {
    const repo = await tempDir('exec-secrets-bad');
    await writeFile(
      join(repo, '.slipway.yml'),
      'image: busybox:latest\njobs:\n  a:\n    steps: [{ run: "true" }]\n',
    );
    const dir = await slipwayCli(['exec', repo, '--data-dir', dataDir, '--secret-file', `K=${repo}`]);
    assert.equal(dir.code, 1);
    assert.match(dir.err, /--secret-file K=.*: not a regular file/);
    const missing = await slipwayCli(['exec', repo, '--data-dir', dataDir, '--secret', 'NOT_SET_ANYWHERE']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /--secret NOT_SET_ANYWHERE: NOT_SET_ANYWHERE is not set in the environment/);
  });
});
