import { InstructionError } from './errors.js';
import type { LogicalLine } from './lines.js';
import type { Instruction } from './model.js';
import { parseMount } from './mounts.js';
import { checkFlags, parseCommand, parseCopyArgs, parseFrom, parseHealthcheck } from './parse-helpers.js';
import { extractFlags, parseJsonArray, parseNameValues, splitWords } from './words.js';

const KEYWORDS = new Set([
  'FROM',
  'RUN',
  'COPY',
  'ADD',
  'ENV',
  'ARG',
  'WORKDIR',
  'USER',
  'EXPOSE',
  'LABEL',
  'ENTRYPOINT',
  'CMD',
  'VOLUME',
  'SHELL',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'ONBUILD',
  'MAINTAINER',
]);
const NOT_AS_TRIGGER = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Turns one logical line into a typed instruction (strings not yet substituted).
 * Throws InstructionError with a message (no location); `parseDockerfile` adds `file:line`.
 */
export function parseInstruction(l: LogicalLine, escapeChar: string): Instruction {
  const kw = l.keyword;
  if (!KEYWORDS.has(kw)) throw new InstructionError(`unknown instruction: ${kw}`);
  const base = { line: l.line, endLine: l.endLine, original: `${kw} ${l.args}`.trim() };
  const { flags: rawFlags, rest: afterFlags } = extractFlags(l.args, escapeChar);
  const flags = checkFlags(kw, rawFlags);
  const rest = afterFlags.trim();
  const flag = (n: string) => flags.get(n)?.[0];
  const needArgs = () => {
    if (rest === '') throw new InstructionError(`${kw} requires at least one argument`);
  };
  switch (kw) {
    case 'FROM':
      needArgs();
      return { kind: 'FROM', ...base, ...parseFrom(rest, escapeChar), platform: flag('platform') };
    case 'RUN': {
      const mounts = flags.get('mount') ?? [];
      for (const m of mounts) {
        if (m.includes('$')) continue; // checked after substitution
        const r = parseMount(m);
        if ('error' in r) throw new InstructionError(r.error);
      }
      const network = flag('network');
      if (network !== undefined && !network.includes('$') && network !== 'none' && network !== 'default') {
        throw new InstructionError(`--network=${network} is not supported (none or default)`);
      }
      return { kind: 'RUN', ...base, command: parseCommand(kw, rest), mounts, network, heredocs: l.heredocs };
    }
    case 'COPY':
    case 'ADD': {
      const link = flag('link') ?? 'false';
      if (link !== 'true' && link !== 'false')
        throw new InstructionError(`--link=${link}: expected true or false`);
      return {
        kind: kw,
        ...base,
        ...parseCopyArgs(kw, rest, escapeChar, l.heredocs),
        from: flag('from'),
        chown: flag('chown'),
        chmod: flag('chmod'),
        link: link === 'true',
        checksum: flag('checksum'),
      };
    }
    case 'ENV':
    case 'LABEL': {
      needArgs();
      const r = parseNameValues(rest, escapeChar);
      if ('error' in r) throw new InstructionError(`${kw} ${r.error}`);
      return { kind: kw, ...base, pairs: r.pairs.map((p) => ({ key: p.key, value: p.value })) };
    }
    case 'ARG': {
      needArgs();
      const args = splitWords(rest, escapeChar).map((w) => {
        const eq = w.indexOf('=');
        const name = eq < 0 ? w : w.slice(0, eq);
        if (!ARG_NAME.test(name)) throw new InstructionError(`invalid ARG name "${name}"`);
        return { name, default: eq < 0 ? undefined : w.slice(eq + 1) };
      });
      return { kind: 'ARG', ...base, args };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      needArgs();
      return { kind: kw, ...base, value: rest };
    case 'EXPOSE':
      needArgs();
      return { kind: 'EXPOSE', ...base, values: splitWords(rest, escapeChar) };
    case 'VOLUME': {
      needArgs();
      const values = parseJsonArray(rest) ?? splitWords(rest, escapeChar);
      if (values.length === 0 || values.some((v) => v.trim() === '')) {
        throw new InstructionError('VOLUME specified can not be an empty string');
      }
      return { kind: 'VOLUME', ...base, values };
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: kw, ...base, command: parseCommand(kw, rest) };
    case 'SHELL': {
      const argv = parseJsonArray(rest);
      if (!argv || argv.length === 0) {
        throw new InstructionError(
          'SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/sh", "-c"]',
        );
      }
      return { kind: 'SHELL', ...base, argv };
    }
    case 'HEALTHCHECK':
      needArgs();
      return { kind: 'HEALTHCHECK', ...base, ...parseHealthcheck(rest, escapeChar, flags) };
    default: {
      // ONBUILD
      needArgs();
      const m = /^(\S+)(\s*)([\s\S]*)$/.exec(rest)!;
      const triggerKw = m[1]!.toUpperCase();
      if (NOT_AS_TRIGGER.has(triggerKw))
        throw new InstructionError(`${triggerKw} isn't allowed as an ONBUILD trigger`);
      const trigger = parseInstruction({ ...l, keyword: triggerKw, args: m[3]!, heredocs: [] }, escapeChar);
      return { kind: 'ONBUILD', ...base, expression: rest, trigger };
    }
  }
}
