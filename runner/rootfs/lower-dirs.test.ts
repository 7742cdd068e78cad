import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topmostLowerDirs } from './lower-dirs.js';

test('topmostLowerDirs: a repeated dir is kept only at its topmost position', () => {
  // bottom first: /a at 0 and 2, /b at 1 and 4 → /c, /a, /d, /b (each at its last index)
  assert.deepEqual(topmostLowerDirs(['/a', '/b', '/a', '/c', '/b', '/d']), ['/a', '/c', '/b', '/d']);
  assert.deepEqual(topmostLowerDirs(['/e', '/e', '/e', '/e', '/e']), ['/e']);
  assert.deepEqual(topmostLowerDirs(['/base', '/e', '/x', '/e']), ['/base', '/x', '/e']);
});

test('topmostLowerDirs: distinct dirs keep their order, and the input is left alone', () => {
  const input = ['/1', '/2', '/3'];
  assert.deepEqual(topmostLowerDirs(input), ['/1', '/2', '/3']);
  const repeated = ['/1', '/2', '/1'];
  topmostLowerDirs(repeated);
  assert.deepEqual(repeated, ['/1', '/2', '/1']);
  assert.deepEqual(topmostLowerDirs([]), []);
});
