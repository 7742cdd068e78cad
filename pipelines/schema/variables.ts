/**
 * `${VAR}` interpolation: the predefined CI variables and a scanner that finds references.
 * `$${` is an escape for a literal `${`. `$VAR` without braces is left alone (it is shell
 * syntax in `run` scripts, which are never interpolated). Pure; never throws.
 */
export const PREDEFINED_VARIABLES = [
  'CI',
  'CI_REPO',
  'CI_REPO_URL',
  'CI_COMMIT_SHA',
  'CI_COMMIT_SHORT_SHA',
  'CI_COMMIT_BRANCH',
  'CI_COMMIT_TAG',
  'CI_COMMIT_MESSAGE',
  'CI_COMMIT_AUTHOR',
  'CI_EVENT',
  'CI_RUN_ID',
  'CI_RUN_NUMBER',
  'CI_PIPELINE',
  'CI_JOB_NAME',
  'CI_WORKSPACE',
  'CI_PULL_REQUEST',
] as const;

/** The variable a matrix axis is exposed as: `node-version` → `CI_MATRIX_NODE_VERSION`. */
export function matrixVariable(axis: string): string {
  return `CI_MATRIX_${axis.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export type TemplatePart = { text: string } | { variable: string; offset: number };

/** Splits `s` into literal text and `${NAME}` references, or returns a syntax problem. */
export function scanTemplate(s: string): { parts: TemplatePart[] } | { problem: string; offset: number } {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (s.startsWith('${', i)) {
      const end = s.indexOf('}', i + 2);
      if (end < 0) return { problem: `unterminated "\${" in "${s}"`, offset: i };
      const name = s.slice(i + 2, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        return { problem: `invalid variable reference "\${${name}}" (expected \${NAME})`, offset: i };
      }
      if (text) parts.push({ text });
      text = '';
      parts.push({ variable: name, offset: i });
      i = end + 1;
      continue;
    }
    text += s[i];
    i += 1;
  }
  if (text) parts.push({ text });
  return { parts };
}

/** Replaces every `${NAME}` with `values[NAME]`; returns the names that had no value. */
export function interpolate(
  s: string,
  values: Readonly<Record<string, string>>,
): { value: string; unknown: string[] } {
  const scanned = scanTemplate(s);
  if ('problem' in scanned) return { value: s, unknown: [] };
  const unknown: string[] = [];
  let value = '';
  for (const part of scanned.parts) {
    if ('text' in part) value += part.text;
    else if (Object.hasOwn(values, part.variable)) value += values[part.variable];
    else unknown.push(part.variable);
  }
  return { value, unknown };
}

/** `s` with every `${...}` replaced by a harmless placeholder, for syntax checks before planning. */
export function withPlaceholders(s: string): string {
  return s.replace(/\$\{[^}]*\}/g, 'x0');
}
