import { SlipwayError } from '../../../lib/errors.js';

/**
 * A problem in a Dockerfile, always located: `file:line: message`. Parsing and evaluation never
 * throw on untrusted input; they collect these and return them (see `Result`).
 */
export interface DockerfileProblem {
  file: string;
  line: number;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: DockerfileProblem[] };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(file: string, line: number, message: string): Result<T> {
  return { ok: false, errors: [{ file, line, message }] };
}

export function formatProblem(p: DockerfileProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** Turns problems into one permanent SlipwayError (for callers that prefer to throw). */
export function problemsToError(problems: DockerfileProblem[]): SlipwayError {
  const first = problems[0];
  return new SlipwayError(problems.map(formatProblem).join('\n'), {
    category: 'permanent',
    context: first ? { file: `${first.file}:${first.line}` } : {},
  });
}

/** Thrown only inside the parser's own helpers and caught at the instruction boundary. */
export class InstructionError extends Error {}
