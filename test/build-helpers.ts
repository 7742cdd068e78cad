import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BuildOptions, type BuildResult, buildImage } from '../runner/build/index.js';
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
  const r = await buildImage({
    network: 'none',
    ...opts,
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
