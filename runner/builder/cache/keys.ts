import { createHash } from 'node:crypto';
import type { EvaluatedStep } from '../dockerfile/evaluate.js';
import type { EvaluatedInstruction } from '../dockerfile/model.js';

/**
 * Build cache keys. Every instruction's key is a hash chain:
 *
 *   key(FROM)  = H(version, "from", base identity, platform)
 *   key(i)     = H(version, key(i-1), normalised instruction, inputs)
 *
 * - base identity: the base image's config digest, `scratch`, or the key of the stage it builds on;
 * - normalised instruction: the instruction AFTER variable substitution, without line numbers,
 *   the original text or comments (so reformatting a Dockerfile keeps its cache);
 * - RUN inputs: the declared build args in scope with their values (they are in RUN's env, as in
 *   Docker, so an ARG declared just before a late RUN invalidates only from that RUN), the mount
 *   specs and network; predefined proxy args are excluded;
 * - COPY/ADD inputs: the content hash of the sources (`hashSources`: path, type, mode, owner,
 *   content, link target — not mtime); for `--from` the executor hashes that stage's files;
 * - RUN `--mount=type=bind,from=` inputs: the key of the stage (or image digest) mounted.
 * Cache-mount contents and secret values are never part of a key (as in Docker).
 * Keys are `sha256:<hex>`, equal on every host for the same inputs: they name cache entries
 * exported to and imported from a registry.
 */
// Bumped whenever the same inputs start to give a different layer, so no entry made by the
// old rules is hit: v2 keeps modes of 0 in layers and Docker's COPY/ADD directory and archive rules.
export const CACHE_KEY_VERSION = 'slipway-build-key-v2';

export type BaseIdentity =
  | { kind: 'scratch' }
  | { kind: 'image'; digest: string }
  | { kind: 'stage'; key: string };

export interface StepInputs {
  /** COPY/ADD: `hashSources` of what is copied. */
  sourcesHash?: string;
  /** RUN: mount `from` value → key or digest of what it mounts. */
  mountFromKeys?: Record<string, string>;
}

/** JSON with object keys sorted, so equal values always serialise identically. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

function digest(parts: unknown[]): string {
  return `sha256:${createHash('sha256').update(canonicalJson(parts)).digest('hex')}`;
}

/** The instruction with everything that does not change its result removed. */
export function normaliseInstruction(ins: EvaluatedInstruction): Record<string, unknown> {
  const {
    line: _line,
    endLine: _end,
    original: _orig,
    ...rest
  } = ins as EvaluatedInstruction & Record<string, unknown>;
  if (ins.kind === 'ONBUILD') return { kind: 'ONBUILD', expression: ins.expression };
  if (ins.kind === 'COPY' || ins.kind === 'ADD') {
    // heredoc bodies are part of the sources; names of path sources are covered by the content hash too
    return { ...rest, sources: ins.sources.map((s) => (s.kind === 'path' ? s.path : { heredoc: s.body })) };
  }
  return rest;
}

export function fromKey(base: BaseIdentity, platform = 'linux/amd64'): string {
  return digest([CACHE_KEY_VERSION, 'from', base, platform]);
}

/** The key of one evaluated instruction given its parent's key. Pure. */
export function stepKey(parent: string, step: EvaluatedStep, inputs: StepInputs = {}): string {
  const ins = step.instruction;
  const parts: unknown[] = [CACHE_KEY_VERSION, parent, normaliseInstruction(ins)];
  if (ins.kind === 'RUN') parts.push({ args: step.args, mountFrom: inputs.mountFromKeys ?? {} });
  if (ins.kind === 'COPY' || ins.kind === 'ADD') parts.push({ sources: inputs.sourcesHash ?? null });
  return digest(parts);
}

/** Keys of a whole stage, in order (index i = key after instruction i). */
export function stageKeys(base: BaseIdentity, steps: EvaluatedStep[], inputs: StepInputs[] = []): string[] {
  let key = fromKey(base);
  return steps.map((s, i) => {
    key = stepKey(key, s, inputs[i]);
    return key;
  });
}
