import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BuildOptions, type BuildResult, buildImage } from '../runner/builder/index.js';
import { openRunnerHost } from '../runner/host.js';
import { decompressed } from '../runner/oci/index.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { seedStore } from './helpers/seed-store.js';
import { tempDir } from './helpers/tmp.js';

/** A data dir with the test busybox image as `busybox:latest`; needs root and runc. */
export async function busyboxDataDir(): Promise<string> {
  requireRoot();
  requireBinary('runc', 'runc');
  const dataDir = await tempDir('build-data');
  await seedStore(dataDir, 'busybox', ['busybox:latest']);
  return dataDir;
}

/** Writes `files` (relative path → content) into a fresh context dir. */
export async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('build-ctx');
  await writeContext(dir, files);
  return dir;
}

export async function writeContext(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

/** Builds with no network for RUN (tests need none) and records the step output. */
export async function build(
  opts: Partial<BuildOptions> & { contextDir: string; dataDir: string },
): Promise<BuildResult & { output: string[] }> {
  const output: string[] = [];
  const { dataDir, ...rest } = opts;
  const r = await buildImage({
    network: 'none',
    host: await openRunnerHost({ dataDir, hostRegistries: 'any' }),
    ...rest,
    onProgress: (e) => {
      if (e.type === 'log') output.push(e.line.text);
    },
  });
  return { ...r, output };
}

/** Instructions that ran (not cached), FROM lines excluded. */
export function executed(r: BuildResult): string[] {
  return r.steps.filter((s) => !s.cached).map((s) => s.instruction);
}

export { slipwayCli } from './helpers/slipway-cli.js';

/** The digest `slipway build` prints on its last line. */
export function printedDigest(out: string): string {
  const last = out.trim().split('\n').at(-1) ?? '';
  if (!/^sha256:[0-9a-f]{64}$/.test(last)) throw new Error(`no digest on the last line of:\n${out}`);
  return last;
}

export interface StoredBuiltImage {
  manifest: { config: { digest: string }; layers: Array<{ digest: string; size: number }> };
  config: {
    rootfs: { type: string; diff_ids: string[] };
    history?: Array<{ created_by?: string; empty_layer?: boolean }>;
    config?: Record<string, unknown>;
  };
  /** Each layer's uncompressed tar, in manifest order. */
  layerTars: Buffer[];
}

/** Reads a built image back from a data dir's store: manifest, config and every layer unpacked. */
export async function readStoredImage(dataDir: string, manifestDigest: string): Promise<StoredBuiltImage> {
  const { store } = await openRunnerHost({ dataDir, hostRegistries: 'any' });
  const manifest = JSON.parse((await store.content.read(manifestDigest)).toString());
  const config = JSON.parse((await store.content.read(manifest.config.digest)).toString());
  const layerTars: Buffer[] = [];
  for (const l of manifest.layers) {
    const chunks: Uint8Array[] = [];
    for await (const c of decompressed([await store.content.read(l.digest)])) chunks.push(c);
    layerTars.push(Buffer.concat(chunks));
  }
  return { manifest, config, layerTars };
}
