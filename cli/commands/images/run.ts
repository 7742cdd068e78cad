import { openRunnerHost } from '../../../runner/host.js';
import { listImages, normalizeReference } from '../../../runner/oci/index.js';
import type { HostFlags } from '../../flags.js';
import { formatBytes, reportFailure } from '../../output.js';

/** `slipway images`: every ref of the host's store with its digest and size. */
export async function listCommand(opts: HostFlags): Promise<void> {
  try {
    const { store } = await openRunnerHost({ dataDir: opts.dataDir });
    const rows = await listImages(store);
    const width = Math.max(10, ...rows.map((r) => r.ref.length));
    console.log(`${'REFERENCE'.padEnd(width)}  ${'DIGEST'.padEnd(19)}  SIZE`);
    for (const r of rows)
      console.log(`${r.ref.padEnd(width)}  ${r.digest.slice(0, 19)}  ${formatBytes(r.size)}`);
  } catch (err) {
    reportFailure(err);
  }
}

/** `slipway images rm REF`: removes the reference (its data goes at the next prune). */
export async function removeCommand(ref: string, opts: HostFlags): Promise<void> {
  try {
    const { store } = await openRunnerHost({ dataDir: opts.dataDir });
    const name = normalizeReference(ref);
    if (!(await store.getRef(name))) throw new Error(`no image ${name} in the local store`);
    await store.deleteRef(name);
    console.log(`removed ${name}`);
  } catch (err) {
    reportFailure(err);
  }
}

/** `slipway images prune`: deletes unreferenced, unheld data older than the grace period. */
export async function pruneCommand(opts: HostFlags & { graceSeconds: string }): Promise<void> {
  try {
    const { store } = await openRunnerHost({
      dataDir: opts.dataDir,
      store: { gcGraceMs: Math.max(0, Number(opts.graceSeconds) || 0) * 1000 },
    });
    const { freedBytes, removed } = await store.gc();
    console.log(`removed ${removed} items, freed ${formatBytes(freedBytes)}`);
  } catch (err) {
    reportFailure(err);
  }
}
