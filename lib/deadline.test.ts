import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deadline } from './deadline.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('deadline', () => {
  it('fires after its time even when a garbage collection runs first', async () => {
    const { signal } = deadline(150);
    let fired = false;
    signal.addEventListener('abort', () => {
      fired = true;
    });
    await sleep(30);
    gc();
    await sleep(400);
    assert.equal(fired, true);
    assert.equal((signal.reason as Error).name, 'TimeoutError');
  });

  it('aborts with the reason of a given signal, at once when it already fired', () => {
    const outer = new AbortController();
    const d = deadline(60_000, outer.signal);
    outer.abort(new Error('cancelled by the user'));
    assert.equal((d.signal.reason as Error).message, 'cancelled by the user');
    const late = deadline(60_000, AbortSignal.abort(new Error('gone')));
    assert.equal((late.signal.reason as Error).message, 'gone');
  });

  it('never fires once disposed', async () => {
    const outer = new AbortController();
    const d = deadline(50, outer.signal);
    d.dispose();
    outer.abort();
    await sleep(120);
    assert.equal(d.signal.aborted, false);
  });
});
