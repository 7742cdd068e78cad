import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageRuntimeConfig } from './image-config.js';

test('imageRuntimeConfig keeps the runtime fields, drops nulls and the rest, rejects wrong types', () => {
  assert.deepEqual(
    imageRuntimeConfig({
      Env: ['A=1'],
      User: '',
      WorkingDir: '/w',
      Entrypoint: null,
      Cmd: ['sh'],
      ExposedPorts: {},
    }),
    { Env: ['A=1'], WorkingDir: '/w', Cmd: ['sh'] },
  );
  assert.deepEqual(imageRuntimeConfig(undefined), {});
  assert.throws(() => imageRuntimeConfig({ Env: 'A=1' }, 'reg/x:1'), /image reg\/x:1 has an invalid config/);
});
