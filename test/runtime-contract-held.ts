import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirPaths } from '../runner/data-dir.js';
import { MemoryLogSink } from '../runner/runtime/index.js';
import { useRuntimeFixture } from './helpers/runtime-fixture.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Held starts (`startAfter`): the container is made while its workspace is still being filled
 * and its process starts only once that is done; a refused or cancelled hold runs nothing.
 */
export function heldStartContract(binary: 'runc' | 'crun'): void {
  describe(`Runtime held starts on ${binary}`, () => {
    const f = useRuntimeFixture(binary);
    const workspaceMount = async () => {
      const dir = await tempDir('slipway-held-ws');
      return { dir, mounts: [{ type: 'bind' as const, source: dir, target: '/workspace' }] };
    };

    test('the process starts once startAfter resolves and sees what was written meanwhile', async () => {
      const { dir, mounts } = await workspaceMount();
      const sink = new MemoryLogSink();
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const script = 'cat /workspace/source.txt; touch /workspace/ran';
      const run = f.rt.run(await f.job(), f.spec('held', script, { mounts }), {
        sink,
        startAfter: gate,
        timeoutMs: 60_000,
      });
      await sleep(1500); // long enough for the container to be made and, were it not held, to run
      assert.equal(existsSync(join(dir, 'ran')), false, 'the process ran before its gate opened');
      assert.equal(sink.text('stdout'), '');
      await writeFile(join(dir, 'source.txt'), 'checked out\n');
      open();
      const result = await run;
      assert.equal(result.exitCode, 0, sink.text('stderr'));
      assert.equal(sink.text('stdout'), 'checked out\n');
    });

    test('a start whose startAfter has already resolved is not held: no gate, no hook in its bundle', async () => {
      const { dir, mounts } = await workspaceMount();
      const ready = Promise.resolve();
      await ready;
      const sink = new MemoryLogSink();
      const run = f.rt.run(await f.job(), f.spec('ready', 'touch /workspace/ran; sleep 2', { mounts }), {
        sink,
        startAfter: ready,
        timeoutMs: 60_000,
      });
      const bundles = dataDirPaths.containers(f.dataDir);
      let bundle: string | undefined;
      for (let i = 0; i < 100 && !bundle; i++) {
        await sleep(50);
        const [id] = existsSync(join(dir, 'ran')) ? await readdir(bundles) : [];
        if (id) bundle = join(bundles, id);
      }
      assert.ok(bundle, 'the step ran and its bundle was found');
      const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
      assert.equal(config.hooks?.createRuntime, undefined, 'the bundle has no start hook');
      assert.equal(existsSync(join(bundle, 'start-gate')), false, 'no gate was made');
      assert.equal((await run).exitCode, 0, sink.text('stderr'));
    });

    test('a refused start runs nothing and rejects with its reason', async () => {
      const { dir, mounts } = await workspaceMount();
      const refused = sleep(300).then(() => {
        throw new Error('the checkout failed');
      });
      await assert.rejects(
        f.rt.run(await f.job(), f.spec('refused', 'touch /workspace/ran', { mounts }), {
          sink: new MemoryLogSink(),
          startAfter: refused,
        }),
        /the checkout failed/,
      );
      assert.equal(existsSync(join(dir, 'ran')), false);
    });

    test('a cancel while held ends it as cancelled, nothing run', async () => {
      const { dir, mounts } = await workspaceMount();
      const ac = new AbortController();
      const run = f.rt.run(await f.job(), f.spec('cancelled', 'touch /workspace/ran', { mounts }), {
        sink: new MemoryLogSink(),
        signal: ac.signal,
        startAfter: new Promise(() => {}),
      });
      await sleep(500);
      ac.abort();
      const result = await run;
      assert.equal(result.cancelled, true);
      assert.equal(existsSync(join(dir, 'ran')), false);
    });
  });
}
