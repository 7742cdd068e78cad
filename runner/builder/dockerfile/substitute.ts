import { excerpt } from '../../../lib/excerpt.js';
/**
 * Variable substitution with the semantics of Docker's Dockerfile shell lexer: `$V`, `${V}`,
 * `${V:-w}`, `${V-w}`, `${V:+w}`, `${V+w}`, `${V:?msg}`, `${V?msg}`; single quotes are literal,
 * double quotes allow substitution, the escape character makes the next character literal
 * (inside double quotes only before `"`, `$` or the escape itself). Quotes are removed from
 * the result. Heredoc mode keeps quotes literally, like a shell here-document.
 * Never throws: malformed input gives `{ error }`.
 */
export type Lookup = (name: string) => string | undefined;

export interface SubstituteOptions {
  escapeChar: string;
  heredoc?: boolean;
}

export type SubstituteResult = { value: string; used: Set<string> } | { error: string };

class LexError extends Error {}

export function substitute(word: string, lookup: Lookup, opts: SubstituteOptions): SubstituteResult {
  const lexer = new Lexer(word, lookup, opts);
  try {
    return { value: lexer.until(undefined), used: lexer.used };
  } catch (e) {
    if (e instanceof LexError) return { error: `${e.message} in "${excerpt(word)}"` };
    throw e;
  }
}

const NAME_CHAR = /[A-Za-z0-9_]/;

class Lexer {
  pos = 0;
  readonly used = new Set<string>();
  constructor(
    private readonly src: string,
    private readonly lookup: Lookup,
    private readonly opts: SubstituteOptions,
  ) {}

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private next(): string | undefined {
    return this.src[this.pos++];
  }

  /** Reads until `stop` (consumed) or the end; throws when `stop` is never found. */
  until(stop: string | undefined): string {
    let out = '';
    const esc = this.opts.escapeChar;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) {
        if (stop !== undefined) throw new LexError(`missing '${stop}'`);
        return out;
      }
      if (ch === stop) return out;
      if (this.opts.heredoc) {
        if (ch === '$') out += this.dollar();
        else if (ch === esc && (this.peek() === '$' || this.peek() === esc)) out += this.next();
        else out += ch;
        continue;
      }
      if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else if (ch === '$') out += this.dollar();
      else if (ch === esc) out += this.next() ?? '';
      else out += ch;
    }
  }

  private singleQuoted(): string {
    const end = this.src.indexOf("'", this.pos);
    if (end < 0) throw new LexError('unexpected end of statement while looking for matching single-quote');
    const s = this.src.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined)
        throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') return out;
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      if (ch === this.opts.escapeChar) {
        const p = this.peek();
        if (p === undefined) continue;
        if (p === '"' || p === '$' || p === this.opts.escapeChar) {
          out += this.next();
          continue;
        }
      }
      out += ch;
    }
  }

  private name(): string {
    let n = '';
    while (this.peek() !== undefined && NAME_CHAR.test(this.peek()!)) n += this.next();
    return n;
  }

  private value(name: string): string | undefined {
    this.used.add(name);
    return this.lookup(name);
  }

  private dollar(): string {
    const p = this.peek();
    if (p === '{') {
      this.next();
      return this.braced();
    }
    if (p === undefined || !NAME_CHAR.test(p)) return '$';
    return this.value(this.name()) ?? '';
  }

  private braced(): string {
    const name = this.name();
    if (name === '') throw new LexError('bad substitution');
    const ch = this.next();
    const v = this.value(name);
    if (ch === '}') return v ?? '';
    let colon = false;
    let op = ch;
    if (ch === ':') {
      colon = true;
      op = this.next();
    }
    if (op !== '-' && op !== '+' && op !== '?') {
      throw new LexError(`unsupported modifier (${op ?? 'end of text'}) in substitution`);
    }
    const word = this.until('}');
    const isSet = colon ? v !== undefined && v !== '' : v !== undefined;
    if (op === '-') return isSet ? v! : word;
    if (op === '+') return isSet ? word : '';
    if (!isSet) throw new LexError(`${name}: ${word === '' ? 'is not allowed to be unset' : word}`);
    return v!;
  }
}
