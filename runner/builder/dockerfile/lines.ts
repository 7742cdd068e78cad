import { createRequire } from 'node:module';
import { type DockerfileProblem, fail, ok, type Result } from './errors.js';
import { DOCKERFILE_LIMITS, formatLimit } from './limits.js';
import { splitWords } from './words.js';

/** A here-document body read after the instruction line that opened it. */
export interface HeredocBody {
  name: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator. */
  chomp: boolean;
  /** False when the delimiter was quoted: the body is used verbatim. */
  expand: boolean;
  /** The body, one `\n` after every line, tabs already stripped for `<<-`. */
  content: string;
}

/** One instruction as written: continuation lines joined, comment lines dropped. */
export interface LogicalLine {
  line: number;
  endLine: number;
  keyword: string;
  /** Everything after the keyword, untrimmed on the right, with heredoc bodies removed. */
  args: string;
  heredocs: HeredocBody[];
}

export interface SplitDockerfile {
  escapeChar: string;
  syntax: string | undefined;
  lines: LogicalLine[];
}

const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_WORD = /^\d*<<(-?)([^<]+)$/;

type DirectiveParser = typeof import('dockerfile-ast').DockerfileParser;
let directiveParser: DirectiveParser | undefined;

/**
 * Whether `text` can hold parser directives at all: they are `# name=value` comment lines at the
 * very top, so a text whose leading comment lines (blank lines skipped, to stay on the safe side)
 * hold no `=` has none, and dockerfile-ast (about a fifth of the builder's code) need not load.
 */
export function mayHaveDirectives(text: string): boolean {
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const line = text.slice(start, nl < 0 ? text.length : nl);
    start = nl < 0 ? text.length : nl + 1;
    if (/^[\s\uFEFF]*$/.test(line)) continue;
    if (!/^[\s\uFEFF]*#/.test(line)) return false;
    if (line.includes('=')) return true;
  }
  return false;
}

/**
 * Loads dockerfile-ast for `text` when it may hold directives (see mayHaveDirectives). The engine
 * awaits it before parsing, so the bundled CLI takes it from its own chunk; a parse without it
 * (tests, other callers) loads the package synchronously from node_modules. Idempotent.
 */
export async function prepareDirectiveParser(text: string): Promise<void> {
  if (!directiveParser && mayHaveDirectives(text))
    directiveParser = (await import('dockerfile-ast')).DockerfileParser;
}

function loadDirectiveParser(): DirectiveParser {
  directiveParser ??= (createRequire(import.meta.url)('dockerfile-ast') as typeof import('dockerfile-ast'))
    .DockerfileParser;
  return directiveParser;
}

/**
 * Parser directives. dockerfile-ast reads them faithfully (only at the very top, stopped by any
 * comment, blank line or instruction); the value checks are ours.
 */
function readDirectives(
  text: string,
  file: string,
): Result<{ escapeChar: string; syntax: string | undefined }> {
  let escapeChar = '\\';
  let syntax: string | undefined;
  if (!mayHaveDirectives(text)) return ok({ escapeChar, syntax });
  const seen = new Set<string>();
  for (const d of loadDirectiveParser().parse(text).getDirectives()) {
    const name = d.getName().toLowerCase();
    const value = d.getValue();
    const line = d.getRange().start.line + 1;
    if (seen.has(name)) return fail(file, line, `only one "${name}" parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (value !== '\\' && value !== '`')
        return fail(file, line, `invalid escape token '${value}'; must be \\ or \``);
      escapeChar = value;
    } else if (name === 'syntax') {
      syntax = value;
    }
  }
  return ok({ escapeChar, syntax });
}

function isComment(raw: string): boolean {
  return /^\s*#/.test(raw);
}

function continues(line: string, escapeChar: string): { text: string; more: boolean } {
  const m = new RegExp(`${escapeChar === '\\' ? '\\\\' : '`'}[ \\t]*$`).exec(line);
  return m ? { text: line.slice(0, m.index), more: true } : { text: line, more: false };
}

/**
 * Splits Dockerfile text into logical lines with Docker's rules: BOM and CR stripped, comment
 * lines skipped (also inside continuations), blank continuation lines skipped, the escapeChar
 * character at the end of a line continues it, and heredoc bodies of RUN/COPY/ADD follow the line.
 */
export function splitDockerfile(text: string, file: string): Result<SplitDockerfile> {
  const physical = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  const dir = readDirectives(physical.join('\n'), file);
  if (!dir.ok) return dir;
  const { escapeChar } = dir.value;
  const lines: LogicalLine[] = [];
  let i = 0;
  while (i < physical.length) {
    const start = i;
    const raw = physical[i++]!;
    if (isComment(raw) || raw.trim() === '') continue;
    let { text: joined, more } = continues(raw.trimStart(), escapeChar);
    while (more && i < physical.length) {
      const next = physical[i++]!;
      if (isComment(next) || next.trim() === '') continue;
      const c = continues(next, escapeChar);
      joined += c.text;
      more = c.more;
    }
    const size = Buffer.byteLength(joined, 'utf8');
    if (size > DOCKERFILE_LIMITS.instructionBytes)
      return fail(
        file,
        start + 1,
        `the instruction is ${size} bytes long; the limit is ${formatLimit(DOCKERFILE_LIMITS.instructionBytes)} (continuation lines joined, heredoc bodies apart)`,
      );
    const m = /^(\S+)(\s*)([\s\S]*)$/.exec(joined);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const logical: LogicalLine = { line: start + 1, endLine: i, keyword, args: m[3]!, heredocs: [] };
    if (HEREDOC_KEYWORDS.has(keyword)) {
      const problem = readHeredocs(logical, physical, i, escapeChar, file);
      if ('message' in problem) return { ok: false, errors: [problem] };
      i = problem.next;
    }
    lines.push(logical);
  }
  return ok({ escapeChar, syntax: dir.value.syntax, lines });
}

function readHeredocs(
  logical: LogicalLine,
  physical: string[],
  from: number,
  escapeChar: string,
  file: string,
): DockerfileProblem | { next: number } {
  let i = from;
  for (const word of splitWords(logical.args, escapeChar)) {
    const m = HEREDOC_WORD.exec(word);
    if (!m) continue;
    const chomp = m[1] === '-';
    const quoted = /['"]/.test(m[2]!);
    const name = m[2]!.replace(/['"]/g, '');
    if (name === '') return { file, line: logical.line, message: 'heredoc with an empty delimiter' };
    let content = '';
    let closed = false;
    while (i < physical.length) {
      const raw = physical[i++]!;
      const body = chomp ? raw.replace(/^\t+/, '') : raw;
      if (body === name) {
        closed = true;
        break;
      }
      content += `${body}\n`;
    }
    if (!closed) {
      return {
        file,
        line: logical.line,
        message: `unterminated heredoc <<${m[1]}${m[2]} (no line "${name}")`,
      };
    }
    logical.heredocs.push({ name, chomp, expand: !quoted, content });
  }
  logical.endLine = i;
  return { next: i };
}
