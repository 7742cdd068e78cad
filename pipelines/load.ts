import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParseResult, parsePipeline } from './parse/parse.js';

/**
 * The only part of pipelines/ that touches the disk: finds a repository's pipeline files and
 * parses each one. A directory yields `.slipway.yml` (or `.yaml`) and every `.slipway/*.yml`,
 * sorted by name; a file path yields that file. File names in errors are relative to the
 * directory (`.slipway/release.yml`) or as given for a file. Read-only.
 */
export interface LoadedPipeline {
  file: string;
  result: ParseResult;
}

export async function findPipelineFiles(path: string): Promise<{ file: string; path: string }[]> {
  const info = await stat(path);
  if (info.isFile()) return [{ file: path, path }];
  const found: { file: string; path: string }[] = [];
  for (const name of ['.slipway.yml', '.slipway.yaml']) {
    if (await isFile(join(path, name))) found.push({ file: name, path: join(path, name) });
  }
  const dir = join(path, '.slipway');
  if (await isDir(dir)) {
    for (const name of (await readdir(dir)).sort()) {
      if (/\.ya?ml$/.test(name) && (await isFile(join(dir, name)))) {
        found.push({ file: `.slipway/${name}`, path: join(dir, name) });
      }
    }
  }
  return found;
}

/** Parses every pipeline file found under `path`; also reports two files with the same name. */
export async function loadPipelines(path: string): Promise<LoadedPipeline[]> {
  const out: LoadedPipeline[] = [];
  const names = new Map<string, string>();
  for (const f of await findPipelineFiles(path)) {
    const result = parsePipeline(await readFile(f.path, 'utf8'), f.file);
    if (result.ok && names.has(result.name)) {
      const message = `pipeline name "${result.name}" is already used by ${names.get(result.name)}`;
      const at = result.source.locate(['name']);
      out.push({ file: f.file, result: { ok: false, errors: [{ file: f.file, ...at, message }] } });
      continue;
    }
    if (result.ok) names.set(result.name, f.file);
    out.push({ file: f.file, result });
  }
  return out;
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
