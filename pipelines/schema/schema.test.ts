import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest } from '../parse/suggest.js';
import { expandMatrix, jobId } from '../plan/matrix.js';
import { cacheKeyHashFiles } from './cache-key.js';
import { parseDuration } from './duration.js';
import { globProblem } from './glob.js';
import { imageRefProblem } from './image-ref.js';
import { memoryLimit, parseSize } from './resources.js';
import { interpolate } from './variables.js';

test('durations: h, m, s in order, whole numbers, non-zero', () => {
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1h5m30s'), 3_930_000);
  for (const bad of ['', '0s', '10', '1.5h', '30m1h', '10 m', 'm', '-5s'])
    assert.equal(parseDuration(bad), undefined, bad);
});

test('sizes use binary units in every spelling Docker accepts, or plain bytes', () => {
  const MiB = 2 ** 20;
  for (const [text, bytes] of [
    ['256M', 256 * MiB],
    ['256MiB', 256 * MiB],
    ['256Mi', 256 * MiB],
    ['256mb', 256 * MiB],
    ['1G', 1024 * MiB],
    ['1Gi', 1024 * MiB],
    ['1.5G', 1536 * MiB],
    ['64k', 65536],
    ['1048576', MiB],
    [1048576, MiB],
    ['512B', 512],
  ] as const)
    assert.equal(parseSize(text), bytes, String(text));
  for (const bad of ['', 'M', '1.5', '-1G', '1 0M', '1X', '1GG', '0x10', '1e3M', '1.G'])
    assert.equal(parseSize(bad), undefined, bad);
  assert.deepEqual(memoryLimit('6M'), { bytes: 6 * MiB });
  assert.match((memoryLimit('5M') as { problem: string }).problem, /below the minimum of 6M/);
  assert.match((memoryLimit('lots') as { problem: string }).problem, /invalid memory size "lots"/);
});

test('image references follow the distribution grammar', () => {
  for (const ok of [
    'busybox',
    'busybox:latest',
    'localhost:5000/a/b:1.0',
    `r.io/x@sha256:${'a'.repeat(64)}`,
  ]) {
    assert.equal(imageRefProblem(ok), undefined, ok);
  }
  assert.match(imageRefProblem('Busybox') ?? '', /lowercase/);
  assert.match(imageRefProblem('a:b:c') ?? '', /invalid image reference/);
  assert.match(imageRefProblem('') ?? '', /empty/);
});

test('globs must be relative, without "..", with balanced brackets', () => {
  assert.equal(globProblem('src/**/*.{ts,js}'), undefined);
  assert.match(globProblem('/etc') ?? '', /relative/);
  assert.match(globProblem('a/../b') ?? '', /\.\./);
  assert.match(globProblem('[abc') ?? '', /unbalanced/);
});

test('interpolation replaces known variables, reports unknown ones, keeps $${ literal', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: pipeline ${VAR} syntax under test
  assert.deepEqual(interpolate('a-${X}-$${Y}-$Z', { X: '1' }), { value: 'a-1-${Y}-$Z', unknown: [] });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: pipeline ${VAR} syntax under test
  assert.deepEqual(interpolate('${NOPE}', {}), { value: '', unknown: ['NOPE'] });
});

test('cache keys list their hashFiles globs and reject other functions', () => {
  assert.deepEqual(cacheKeyHashFiles('npm-{{ hashFiles "a.lock" "b/*.json" }}'), {
    globs: ['a.lock', 'b/*.json'],
  });
  assert.ok('problem' in cacheKeyHashFiles('x-{{ env "A" }}'));
  assert.ok('problem' in cacheKeyHashFiles('x-{{ hashFiles "a"'));
});

test('suggestions find near misses only', () => {
  assert.equal(closest('stpes', ['steps', 'services']), 'steps');
  assert.equal(closest('imgae', ['image', 'needs']), 'image');
  assert.equal(closest('colour', ['image', 'needs']), undefined);
});

test('matrix: include merges into matching combinations or adds its own, exclude removes', () => {
  const combos = expandMatrix({
    node: ['18', '20'],
    os: ['debian'],
    exclude: [{ node: '18' }],
    include: [
      { node: '20', experimental: 'true' },
      { node: '22', os: 'alpine' },
    ],
  } as never);
  assert.deepEqual(
    combos.map((c) => c.label),
    ['node=20, os=debian, experimental=true', 'node=22, os=alpine'],
  );
  assert.equal(jobId('test', combos[1]!), 'test-node-22-os-alpine');
  assert.deepEqual(expandMatrix(undefined), [{ values: {}, label: '' }]);
});
