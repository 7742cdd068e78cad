import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeJobResult } from '../../pipelines/index.js';
import { type ArtifactUploader, withUploadedArtifacts } from './artifact-upload.js';

const job = { id: 'build', name: 'build' };
const stored = { digest: `sha256:${'a'.repeat(64)}`, size: 120, files: [{ path: 'out/app', size: 2048 }] };
const ok: ArtifactUploader = { upload: async () => stored };
const down: ArtifactUploader = {
  upload: async () => {
    throw new Error('registry 127.0.0.1:1 does not answer');
  },
};
const kept = (status: 'success' | 'failure') =>
  makeJobResult(job, status, { attempts: 1, artifacts: ['out/app'], artifactsDir: '/data/artifacts/x' });

describe('withUploadedArtifacts', () => {
  it('names the uploaded artifacts in the result and says so in the log', async () => {
    const said: string[] = [];
    const r = await withUploadedArtifacts(ok, 'run1-1', kept('success'), false, (t) => said.push(t));
    assert.deepEqual(r.artifactsStored, stored);
    assert.equal(r.status, 'success');
    assert.deepEqual(said, ['artifacts uploaded: 1 file(s), 2048 bytes (120 bytes compressed)']);
  });

  it('fails a job that had succeeded when its artifacts cannot be uploaded (a temporary error)', async () => {
    const said: string[] = [];
    const r = await withUploadedArtifacts(down, 'run1-1', kept('success'), false, (t) => said.push(t));
    assert.equal(r.status, 'failure');
    assert.equal(r.allowedFailure, false);
    assert.equal(r.error?.category, 'temporary');
    assert.equal(r.error?.message, 'artifacts could not be uploaded: registry 127.0.0.1:1 does not answer');
    assert.equal(r.artifactsStored, undefined);
    assert.deepEqual(said, [r.error?.message]);
    const allowed = await withUploadedArtifacts(down, 'run1-1', kept('success'), true, () => {});
    assert.equal(allowed.allowedFailure, true, 'allow_failure still lets the run carry on');
  });

  it("keeps a failed job's own error, and leaves a job without artifacts alone", async () => {
    const failed = {
      ...kept('failure'),
      error: { message: 'step test failed', category: 'permanent' as const, context: {} },
    };
    const r = await withUploadedArtifacts(down, 'run1-1', failed, false, () => {});
    assert.equal(r.error?.message, 'step test failed');
    let called = false;
    const none = makeJobResult(job, 'success', { attempts: 1 });
    const same = await withUploadedArtifacts(
      {
        upload: async () => {
          called = true;
          return stored;
        },
      },
      'run1-1',
      none,
      false,
      () => {},
    );
    assert.equal(same, none);
    assert.equal(called, false);
  });
});
