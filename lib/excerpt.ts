/** Longest piece of user text (an instruction, a value) an error message quotes. */
export const MAX_QUOTED_CHARS = 200;

/**
 * User text as an error message quotes it: at most `max` characters, cut with "…" and the
 * full length, so a 1.5 MB RUN line costs a line of the message, not megabytes of log.
 */
export function excerpt(text: string, max = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * Untrusted text (a remote server's answer) made safe to quote in one line of a log or error:
 * control characters and escape sequences become spaces, runs of blanks one space.
 */
export function oneLine(text: string): string {
  return [...text]
    .map((c) => (/\p{Cc}|\p{Zl}|\p{Zp}/u.test(c) ? ' ' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}
