/**
 * A problem found in a pipeline file, positioned for people and editors: 1-based line and
 * column of the offending key or value. `format` gives the compiler-style line
 * `file:line:col: message` that `slipway lint` prints.
 */
export interface PipelineError {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatError(e: PipelineError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}

/** Errors sorted by position, exact duplicates removed. */
export function sortErrors(errors: PipelineError[]): PipelineError[] {
  const seen = new Set<string>();
  return [...errors]
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
    .filter((e) => {
      const k = formatError(e);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
