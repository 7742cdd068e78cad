import { posix } from 'node:path';
import type { Mount } from './model.js';

/**
 * `RUN --mount=` parsing with BuildKit's keys and defaults, after variable substitution.
 * Ids and paths from the Dockerfile are untrusted: ids may not contain `..` segments or control
 * characters, and bind/secret paths may not climb out with `..`. The executor still maps a
 * cache id to a directory by hashing it, never by joining it to a host path.
 */
export function splitMountFields(spec: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of spec) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

export type MountResult = { mount: Mount } | { error: string };

const BOOL_KEYS = new Set(['readonly', 'ro', 'rw', 'readwrite', 'required']);

function parseBool(key: string, v: string | undefined): boolean {
  if (v === undefined) return true;
  const l = v.toLowerCase();
  if (l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  throw new Error(`invalid value "${v}" for ${key} (true or false)`);
}

function parseNumber(key: string, v: string, radix: number): number {
  const re = radix === 8 ? /^0?[0-7]{1,4}$/ : /^\d{1,10}$/;
  if (!re.test(v)) throw new Error(`invalid ${key} "${v}"`);
  return Number.parseInt(v, radix);
}

function checkId(id: string): void {
  if (id === '') throw new Error('id must not be empty');
  if (/\p{Cc}/u.test(id)) throw new Error('id contains control characters');
  if (id.length > 512) throw new Error('id is longer than 512 characters');
  if (id.split('/').includes('..')) throw new Error(`id "${id}" must not contain ".." path segments`);
}

function checkPath(key: string, p: string): void {
  if (p.includes('\0')) throw new Error(`${key} contains a NUL character`);
  if (p.split('/').includes('..')) throw new Error(`${key} "${p}" must not contain ".." path segments`);
}

/** Parses one `--mount=` value (already substituted). Returns a clear error instead of throwing. */
export function parseMount(spec: string): MountResult {
  try {
    return { mount: build(spec) };
  } catch (e) {
    return { error: `--mount=${spec}: ${(e as Error).message}` };
  }
}

function build(spec: string): Mount {
  const kv = new Map<string, string | undefined>();
  for (const field of splitMountFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (value === undefined && !BOOL_KEYS.has(key)) throw new Error(`"${key}" needs a value`);
    kv.set(key, value);
  }
  const get = (...keys: string[]) => keys.map((k) => kv.get(k)).find((v) => v !== undefined);
  const type = kv.get('type') ?? 'bind';
  const allowed: Record<string, string[]> = {
    bind: [
      'type',
      'target',
      'dst',
      'destination',
      'source',
      'src',
      'from',
      'readonly',
      'ro',
      'rw',
      'readwrite',
    ],
    cache: [
      'type',
      'target',
      'dst',
      'destination',
      'id',
      'sharing',
      'from',
      'source',
      'src',
      'readonly',
      'ro',
    ].concat(['mode', 'uid', 'gid']),
    secret: ['type', 'id', 'target', 'dst', 'destination', 'required', 'mode', 'uid', 'gid'],
    tmpfs: ['type', 'target', 'dst', 'destination', 'size'],
  };
  const keys = allowed[type];
  if (!keys) throw new Error(`unsupported mount type "${type}" (bind, cache, secret, tmpfs)`);
  for (const k of kv.keys()) if (!keys.includes(k)) throw new Error(`unknown key "${k}" for type=${type}`);
  const target = get('target', 'dst', 'destination');
  if (target !== undefined) checkPath('target', target);
  const mode = (def: number) => (kv.has('mode') ? parseNumber('mode', kv.get('mode')!, 8) : def);
  const uid = kv.has('uid') ? parseNumber('uid', kv.get('uid')!, 10) : 0;
  const gid = kv.has('gid') ? parseNumber('gid', kv.get('gid')!, 10) : 0;
  if (type === 'secret') {
    const id = kv.get('id') ?? (target ? posix.basename(target) : undefined);
    if (id === undefined) throw new Error('secret mount needs id or target');
    checkId(id);
    const required = parseBool('required', kv.has('required') ? kv.get('required') : 'false');
    return { type, id, target: target ?? `/run/secrets/${id}`, required, mode: mode(0o400), uid, gid };
  }
  if (target === undefined || target === '') throw new Error('target is required');
  if (type === 'tmpfs') {
    const size = kv.get('size');
    return { type, target, size: size === undefined ? undefined : parseNumber('size', size, 10) };
  }
  const source = get('source', 'src');
  if (source !== undefined) checkPath('source', source);
  const from = kv.get('from');
  if (type === 'bind') {
    const rw = kv.has('rw') || kv.has('readwrite') ? parseBool('rw', get('rw', 'readwrite')) : false;
    return { type, target, source: source ?? '/', from, readwrite: rw };
  }
  const id = kv.get('id') ?? target;
  checkId(id);
  const sharing = kv.get('sharing') ?? 'shared';
  if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') {
    throw new Error(`invalid sharing "${sharing}" (shared, private or locked)`);
  }
  const ro = kv.has('readonly') || kv.has('ro') ? parseBool('readonly', get('readonly', 'ro')) : false;
  return { type: 'cache', target, id, sharing, readonly: ro, from, source, mode: mode(0o755), uid, gid };
}
