import { parseGoDuration } from './duration.js';
import { InstructionError } from './errors.js';
import type { HeredocBody } from './lines.js';
import type { Command, CopySource, HealthcheckInstruction } from './model.js';
import { parseJsonArray, type RawFlag, splitWords } from './words.js';

/** Flags each instruction accepts (BuildKit's set; unsupported ones are refused, not ignored). */
export const ALLOWED_FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link', 'checksum'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};
const REPEATABLE = new Set(['mount']);
const BOOLEAN = new Set(['link']);

/** Checks flags against the instruction's allowed set; returns name → values. */
export function checkFlags(keyword: string, flags: RawFlag[]): Map<string, string[]> {
  const allowed = ALLOWED_FLAGS[keyword] ?? [];
  const out = new Map<string, string[]>();
  for (const f of flags) {
    if (!allowed.includes(f.name)) {
      const hint = allowed.length ? ` (${keyword} accepts ${allowed.map((a) => `--${a}`).join(', ')})` : '';
      throw new InstructionError(`unknown flag --${f.name} for ${keyword}${hint}`);
    }
    if (out.has(f.name) && !REPEATABLE.has(f.name)) throw new InstructionError(`duplicate flag --${f.name}`);
    let value = f.value;
    if (value === undefined) {
      if (!BOOLEAN.has(f.name))
        throw new InstructionError(`flag --${f.name} needs a value (--${f.name}=...)`);
      value = 'true';
    }
    out.set(f.name, [...(out.get(f.name) ?? []), value]);
  }
  return out;
}

export function parseCommand(keyword: string, rest: string): Command {
  const argv = parseJsonArray(rest);
  if (argv) return { form: 'exec', argv };
  const text = rest.trim();
  if (text === '') throw new InstructionError(`${keyword} requires at least one argument`);
  return { form: 'shell', text };
}

const HEREDOC_MARKER = /^\d*<<-?[^<]+$/;

export function parseCopyArgs(
  keyword: string,
  rest: string,
  escapeChar: string,
  heredocs: HeredocBody[],
): { sources: CopySource[]; dest: string } {
  const words = parseJsonArray(rest) ?? splitWords(rest, escapeChar);
  if (words.length < 2)
    throw new InstructionError(`${keyword} requires at least two arguments: source(s) and destination`);
  const dest = words[words.length - 1]!;
  let h = 0;
  const sources: CopySource[] = words.slice(0, -1).map((w) => {
    if (heredocs.length > h && HEREDOC_MARKER.test(w)) return { kind: 'heredoc', body: heredocs[h++]! };
    return { kind: 'path', path: w };
  });
  return { sources, dest };
}

const STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

export function parseFrom(
  rest: string,
  escapeChar: string,
): { image: string; stageName: string | undefined } {
  const words = splitWords(rest, escapeChar);
  if (words.length === 1) return { image: words[0]!, stageName: undefined };
  if (words.length !== 3 || words[1]!.toUpperCase() !== 'AS') {
    throw new InstructionError('FROM requires either one or three arguments (FROM image [AS name])');
  }
  const name = words[2]!.toLowerCase();
  if (!STAGE_NAME.test(name)) {
    throw new InstructionError(`invalid stage name "${words[2]}": must match [a-z][a-z0-9-_.]*`);
  }
  return { image: words[0]!, stageName: name };
}

type HealthFields = Omit<HealthcheckInstruction, 'kind' | 'line' | 'endLine' | 'original'>;

export function parseHealthcheck(
  rest: string,
  escapeChar: string,
  flags: Map<string, string[]>,
): HealthFields {
  const words = splitWords(rest, escapeChar);
  const first = (words[0] ?? '').toUpperCase();
  const dur = (name: string): number | undefined => {
    const v = flags.get(name)?.[0];
    if (v === undefined) return undefined;
    const ns = parseGoDuration(v);
    if (ns === undefined) throw new InstructionError(`--${name}: invalid duration "${v}" (e.g. 30s, 1m30s)`);
    if (ns !== 0 && ns < 1e6) throw new InstructionError(`--${name} "${v}" cannot be less than 1ms`);
    return ns;
  };
  const none = { interval: undefined, timeout: undefined, startPeriod: undefined };
  if (first === 'NONE') {
    if (words.length > 1) throw new InstructionError('HEALTHCHECK NONE takes no arguments');
    if (flags.size > 0) throw new InstructionError('HEALTHCHECK NONE takes no flags');
    return { test: 'NONE', ...none, startInterval: undefined, retries: undefined };
  }
  if (first !== 'CMD') throw new InstructionError('HEALTHCHECK requires CMD <command> or NONE');
  const after = rest.trimStart().slice(words[0]!.length);
  const retriesRaw = flags.get('retries')?.[0];
  let retries: number | undefined;
  if (retriesRaw !== undefined) {
    if (!/^\d{1,9}$/.test(retriesRaw))
      throw new InstructionError(`--retries: "${retriesRaw}" is not a non-negative integer`);
    retries = Number(retriesRaw);
  }
  return {
    test: parseCommand('HEALTHCHECK CMD', after),
    interval: dur('interval'),
    timeout: dur('timeout'),
    startPeriod: dur('start-period'),
    startInterval: dur('start-interval'),
    retries,
  };
}
