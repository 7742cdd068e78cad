import { excerpt } from '../../../lib/excerpt.js';
/**
 * Word splitting as Docker's Dockerfile parser does it before variable substitution: words are
 * separated by unquoted whitespace; quotes and escapes are KEPT in the words (substitution
 * removes them later). Pure functions.
 */
export function splitWords(text: string, escapeChar: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (!inWord) {
      if (/\s/.test(ch)) continue;
      inWord = true;
    }
    if (quote === '') {
      if (/\s/.test(ch)) {
        words.push(word);
        word = '';
        inWord = false;
        continue;
      }
      if (ch === escapeChar) {
        if (i + 1 >= text.length) continue; // a lone escape at the end is dropped
        word += ch + text[i + 1];
        i++;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
    } else if (ch === escapeChar && quote === '"' && i + 1 < text.length) {
      word += ch + text[i + 1];
      i++;
      continue;
    } else if (ch === quote) {
      quote = '';
    }
    word += ch;
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Docker's "maybe JSON" rule: an argument list starting with `[` that parses as a JSON array of
 * strings is the exec form; anything else (including malformed JSON) is the shell form.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[') || !t.endsWith(']')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    return undefined;
  }
  return undefined;
}

/** A `--name[=value]` flag written before an instruction's arguments (value keeps its quotes). */
export interface RawFlag {
  name: string;
  value: string | undefined;
}

/**
 * Splits leading `--flag[=value]` words off an instruction's arguments, the way Docker does:
 * flags end at the first word that does not start with `--`. Returns the flags and the rest of
 * the text unchanged (so heredoc markers and JSON survive).
 */
export function extractFlags(text: string, escapeChar: string): { flags: RawFlag[]; rest: string } {
  const flags: RawFlag[] = [];
  let rest = text.trimStart();
  while (rest.startsWith('--')) {
    const first = splitWords(rest, escapeChar)[0] ?? '';
    if (first === '--') break;
    const body = first.slice(2);
    const eq = body.indexOf('=');
    flags.push(
      eq < 0 ? { name: body, value: undefined } : { name: body.slice(0, eq), value: body.slice(eq + 1) },
    );
    rest = rest.slice(locateWordEnd(rest, first)).trimStart();
  }
  return { flags, rest };
}

function locateWordEnd(text: string, word: string): number {
  // splitWords returns words verbatim, so the first word is a prefix of the trimmed text.
  return text.indexOf(word) + word.length;
}

/**
 * Docker's `parseNameVal` for ENV and LABEL: either the legacy single pair `KEY value with spaces`
 * or a list of `k=v` words. Returns undefined pairs with a message when a word lacks `=`.
 */
export function parseNameValues(
  text: string,
  escapeChar: string,
): { pairs: { key: string; value: string }[] } | { error: string } {
  const words = splitWords(text, escapeChar);
  if (words.length === 0) return { error: 'requires at least one argument' };
  const first = words[0]!;
  if (!first.includes('=')) {
    const rest = text.trimStart().slice(first.length).trim();
    if (rest === '') return { error: `requires a value for "${excerpt(first)}" (use NAME=value)` };
    return { pairs: [{ key: first, value: rest }] };
  }
  const pairs: { key: string; value: string }[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0)
      return { error: `syntax error - can't find = in "${excerpt(w)}"; must be of the form name=value` };
    pairs.push({ key: w.slice(0, eq), value: w.slice(eq + 1) });
  }
  return { pairs };
}
