import { type DockerfileProblem, fail, InstructionError, ok, type Result } from './errors.js';
import { DOCKERFILE_LIMITS, dockerfileTooLarge } from './limits.js';
import { splitDockerfile } from './lines.js';
import type { ArgInstruction, Dockerfile, Instruction, Stage } from './model.js';
import { parseInstruction } from './parse-instruction.js';

/**
 * Parses Dockerfile text into stages of typed instructions. Pure; never throws on bad input:
 * every problem comes back with `file:line` (all instruction errors are collected). Enforces
 * DOCKERFILE_LIMITS (size, instruction count, instruction length).
 */
export function parseDockerfile(text: string, file = 'Dockerfile'): Result<Dockerfile> {
  const tooLarge = dockerfileTooLarge(Buffer.byteLength(text, 'utf8'));
  if (tooLarge) return fail(file, 1, tooLarge);
  const split = splitDockerfile(text, file);
  if (!split.ok) return split;
  const { escapeChar, lines } = split.value;
  const max = DOCKERFILE_LIMITS.instructions;
  if (lines.length > max)
    return fail(
      file,
      lines[max]!.line,
      `the Dockerfile has ${lines.length} instructions; the limit is ${max} (FROM and ARG included)`,
    );
  const errors: DockerfileProblem[] = [];
  const globalArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const l of lines) {
    let ins: Instruction;
    try {
      ins = parseInstruction(l, escapeChar);
    } catch (e) {
      if (!(e instanceof InstructionError)) throw e;
      errors.push({ file, line: l.line, message: e.message });
      continue;
    }
    if (ins.kind === 'FROM') {
      if (ins.stageName !== undefined && stages.some((s) => s.name === ins.stageName)) {
        errors.push({ file, line: ins.line, message: `duplicate stage name "${ins.stageName}"` });
      }
      stages.push({ index: stages.length, name: ins.stageName, from: ins, instructions: [] });
      continue;
    }
    const current = stages[stages.length - 1];
    if (current) current.instructions.push(ins);
    else if (ins.kind === 'ARG') globalArgs.push(ins);
    else
      errors.push({
        file,
        line: ins.line,
        message: `${ins.kind} before the first FROM (only ARG may come before FROM)`,
      });
  }
  if (errors.length === 0 && stages.length === 0) {
    errors.push({ file, line: 1, message: 'the Dockerfile has no FROM instruction' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return ok({ file, escapeChar, globalArgs, stages });
}

/**
 * Parses a base image's ONBUILD triggers (its config's OnBuild strings) into instructions the
 * executor runs right after FROM, before the stage's own instructions. The file name in errors
 * is `<image> ONBUILD`; line is the trigger's index + 1.
 */
export function parseOnbuildTriggers(triggers: string[], image: string): Result<Instruction[]> {
  const file = `${image} ONBUILD`;
  const max = DOCKERFILE_LIMITS.instructions;
  if (triggers.length > max)
    return fail(file, max + 1, `the image has ${triggers.length} ONBUILD triggers; the limit is ${max}`);
  const out: Instruction[] = [];
  for (const [i, t] of triggers.entries()) {
    const r = parseDockerfile(`FROM scratch\n${t.replace(/\n/g, ' ')}`, file);
    if (!r.ok) return { ok: false, errors: r.errors.map((e) => ({ ...e, line: i + 1 })) };
    if (r.value.stages.length > 1)
      return {
        ok: false,
        errors: [{ file, line: i + 1, message: "FROM isn't allowed as an ONBUILD trigger" }],
      };
    const ins = r.value.stages[0]?.instructions ?? [];
    const bad = ins.find((x) => x.kind === 'ONBUILD' || x.kind === 'MAINTAINER');
    if (bad)
      return {
        ok: false,
        errors: [{ file, line: i + 1, message: `${bad.kind} isn't allowed as an ONBUILD trigger` }],
      };
    out.push(...ins.map((x) => ({ ...x, line: i + 1, endLine: i + 1 })));
  }
  return ok(out);
}
