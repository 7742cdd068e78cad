import { Lexer, Parser } from 'yaml';

/** Deepest nesting of mappings and lists a pipeline file may have. */
export const MAX_NESTING = 64;

/**
 * Finds where `text` nests collections deeper than `max` levels, as the offset of the token
 * that went too deep, or undefined. Uses the YAML library's CST parser, which keeps its own
 * stack (no recursion), and stops at the first too-deep token, so a 100k-level file costs
 * little; the recursive document composer then never sees it.
 */
export function tooDeepAt(text: string, max = MAX_NESTING): number | undefined {
  const parser = new Parser();
  // The stack holds the document and its top-level collection besides the nesting itself.
  const limit = max + 2;
  for (const lexeme of new Lexer().lex(text)) {
    for (const _ of parser.next(lexeme)) {
    }
    if (parser.stack.length > limit) return parser.offset;
  }
  return undefined;
}
