import { SlipwayError } from '../../../lib/errors.js';
import { excerpt } from '../../../lib/excerpt.js';
import { type DockerfileProblem, formatProblem } from '../dockerfile/errors.js';

/**
 * Why a build failed, with where: `file:line`, the instruction, and for a failed RUN its exit
 * code and the last lines of its output. Always a permanent error (re-running the same build
 * fails the same way) unless `category` says otherwise. The instruction is kept as an excerpt
 * (see lib/excerpt.ts): messages quote user text once and capped.
 */
export class BuildFailure extends SlipwayError {
  readonly location: string | undefined;
  readonly instruction: string | undefined;
  readonly exitCode: number | undefined;
  readonly outputTail: string[];

  constructor(
    message: string,
    details: {
      location?: string;
      instruction?: string;
      exitCode?: number;
      outputTail?: string[];
      cause?: unknown;
      category?: 'temporary' | 'permanent' | 'internal';
    } = {},
  ) {
    super(message, {
      category: details.category ?? 'permanent',
      context: {
        ...(details.location ? { file: details.location } : {}),
        ...(details.instruction ? { instruction: excerpt(details.instruction) } : {}),
      },
      cause: details.cause,
    });
    this.location = details.location;
    this.instruction = details.instruction === undefined ? undefined : excerpt(details.instruction);
    this.exitCode = details.exitCode;
    this.outputTail = details.outputTail ?? [];
  }
}

/** Dockerfile problems (parse or evaluation) as one BuildFailure. */
export function problemsFailure(problems: DockerfileProblem[]): BuildFailure {
  const first = problems[0];
  return new BuildFailure(problems.map(formatProblem).join('\n'), {
    location: first ? `${first.file}:${first.line}` : undefined,
  });
}

/**
 * Wraps an error thrown while executing one instruction: the message is prefixed with
 * `file:line: INSTRUCTION:` unless it is a BuildFailure that already names where it happened.
 */
export function stepFailure(err: unknown, location: string, instruction: string): BuildFailure {
  if (err instanceof BuildFailure && err.location !== undefined) return err;
  if (err instanceof BuildFailure)
    return new BuildFailure(`${location}: ${excerpt(instruction)}: ${err.message}`, {
      location,
      instruction,
      exitCode: err.exitCode,
      outputTail: err.outputTail,
      cause: err,
      category: err.category,
    });
  const message = err instanceof Error ? err.message : String(err);
  const category = err instanceof SlipwayError ? err.category : 'internal';
  return new BuildFailure(`${location}: ${excerpt(instruction)}: ${message}`, {
    location,
    instruction,
    cause: err,
    category: category === 'temporary' ? 'temporary' : category === 'internal' ? 'internal' : 'permanent',
  });
}
