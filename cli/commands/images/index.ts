import type { Command } from 'commander';
import { addOciOptions, formatBytes, type OciCliOptions, openOci, reportFailure } from '../../oci-options.js';

/** `slipway images` (list with sizes), `images rm REF`, `images prune` (free unreferenced data). */
export function register(program: Command): void {
  const images = addOciOptions(
    program.command('images').description('list images in the local store'),
    false,
  ).action(async (opts: OciCliOptions) => {
    try {
      const { listImages } = await import('../../../runner/oci/images.js');
      const { store } = await openOci(opts);
      const rows = await listImages(store);
      const width = Math.max(10, ...rows.map((r) => r.ref.length));
      console.log(`${'REFERENCE'.padEnd(width)}  ${'DIGEST'.padEnd(19)}  SIZE`);
      for (const r of rows)
        console.log(`${r.ref.padEnd(width)}  ${r.digest.slice(0, 19)}  ${formatBytes(r.size)}`);
    } catch (err) {
      reportFailure(err);
    }
  });
  addOciOptions(
    images.command('rm').argument('<ref>').description('remove a reference (data goes at prune)'),
    false,
  ).action(async (ref: string, opts: OciCliOptions) => {
    try {
      const { normalizeReference } = await import('../../../runner/oci/reference.js');
      const { store } = await openOci(opts);
      const name = normalizeReference(ref);
      if (!(await store.getRef(name))) throw new Error(`no image ${name} in the local store`);
      await store.deleteRef(name);
      console.log(`removed ${name}`);
    } catch (err) {
      reportFailure(err);
    }
  });
  addOciOptions(
    images.command('prune').description('delete blobs and layers no image references and no container holds'),
    false,
  )
    .option(
      '--grace-seconds <n>',
      'keep unreferenced data younger than this (protects pulls in progress)',
      '600',
    )
    .action(async (opts: OciCliOptions & { graceSeconds: string }) => {
      try {
        const { dataDirPaths, defaultDataDir } = await import('../../../runner/data-dir.js');
        const { openImageStore } = await import('../../../runner/oci/store/index.js');
        const store = await openImageStore(dataDirPaths.images(opts.dataDir ?? defaultDataDir()), {
          gcGraceMs: Math.max(0, Number(opts.graceSeconds) || 0) * 1000,
        });
        const { freedBytes, removed } = await store.gc();
        console.log(`removed ${removed} items, freed ${formatBytes(freedBytes)}`);
      } catch (err) {
        reportFailure(err);
      }
    });
}
