import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineError } from './parse/errors.js';
import { type ParseResult, parsePipeline } from './parse/parse.js';

/**
 * The only part of pipelines/ that touches the disk: finds a repository's pipeline files and
 * parses each one. A directory yields `.slipway.yml` (or `.yaml`) and every `.slipway/*.yml`,
 * sorted by name; a file path yields that file. File names in errors are relative to the
 * directory (`.slipway/release.yml`) or as given for a file. Read-only.
 *
 * The files come from a repository, so they are untrusted: a pipeline file (or the `.slipway`
 * directory) that is a symlink, a FIFO, a device or anything but a regular file is reported as
 * an error without being opened, and at most MAX_PIPELINE_BYTES are read.
 */
export interface LoadedPipeline {
  file: string;
  result: ParseResult;
}

/** Largest pipeline file read, in bytes. */
export const MAX_PIPELINE_BYTES = 1024 * 1024;

interface Found {
  file: string;
  path: string;
  /** Why the file is refused without being read, when it is. */
  refused?: { error: string };
}

export async function findPipelineFiles(path: string): Promise<Found[]> {
  const info = await stat(path);
  // A file named on the command line is the caller's choice: its links are resolved.
  if (info.isFile()) return [{ file: path, path: await realpath(path) }];
  const found: Found[] = [];
  for (const name of ['.slipway.yml', '.slipway.yaml']) {
    const st = await lstatOrUndefined(join(path, name));
    if (st) found.push(entry(name, join(path, name), st));
  }
  const dir = join(path, '.slipway');
  const dirSt = await lstatOrUndefined(dir);
  if (dirSt?.isSymbolicLink())
    found.push({ file: '.slipway', path: dir, refused: refusal(dirSt, 'directory') });
  else if (dirSt?.isDirectory()) {
    for (const name of (await readdir(dir)).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const st = await lstatOrUndefined(join(dir, name));
      if (st && !st.isDirectory()) found.push(entry(`.slipway/${name}`, join(dir, name), st));
    }
  }
  return found;
}

/** Parses every pipeline file found under `path`; also reports two files with the same name. */
export async function loadPipelines(path: string): Promise<LoadedPipeline[]> {
  const out: LoadedPipeline[] = [];
  const names = new Map<string, string>();
  for (const f of await findPipelineFiles(path)) {
    const text = f.refused ?? (await readPipelineFile(f.path));
    if (typeof text !== 'string') {
      out.push({ file: f.file, result: failed(f.file, text.error) });
      continue;
    }
    const result = parsePipeline(text, f.file);
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

function entry(file: string, path: string, st: Stats): Found {
  return st.isFile() ? { file, path } : { file, path, refused: refusal(st, 'file') };
}

function refusal(st: Stats, noun: 'file' | 'directory'): { error: string } {
  const kind = st.isSymbolicLink() ? 'a symlink' : st.isFIFO() ? 'a FIFO' : 'not a regular file';
  return { error: `the pipeline ${noun} is ${kind}: pipeline files must be regular files in the repository` };
}

function failed(file: string, message: string): ParseResult {
  const error: PipelineError = { file, line: 1, col: 1, message };
  return { ok: false, errors: [error] };
}

/**
 * The file's text, opened without following a symlink and without blocking (a FIFO swapped in
 * after the lstat), checked to be a regular file on the opened descriptor, at most
 * MAX_PIPELINE_BYTES read.
 */
async function readPipelineFile(path: string): Promise<string | { error: string }> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  const fh = await open(path, flags).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ELOOP')
      return { error: 'the pipeline file is a symlink: pipeline files must be regular files' };
    throw e;
  });
  if (!('read' in fh)) return fh;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return refusal(st, 'file');
    const buf = Buffer.alloc(Math.min(st.size, MAX_PIPELINE_BYTES) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > MAX_PIPELINE_BYTES)
      return { error: `the pipeline file is larger than ${MAX_PIPELINE_BYTES / 1024 / 1024} MiB` };
    return buf.subarray(0, n).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  return lstat(p).catch(() => undefined);
}
