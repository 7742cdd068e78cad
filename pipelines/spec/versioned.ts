import type { z } from 'zod';

/** What parseVersioned gives: the typed value, or one line naming the version or field paths. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The shared check of every wire payload (JobSpec, JobResult, job events): JSON text or an
 * already-parsed value → a JSON object → a `version` this reader understands → the schema.
 * Never throws. `what` names the payload in messages, `reader` the side that reads it.
 */
export function parseVersioned<S extends z.ZodType>(
  input: unknown,
  opts: { what: string; reader: string; version: number; schema: S },
): Parsed<z.infer<S>> {
  const { what, reader, version: understood } = opts;
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { ok: false, error: `${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `${what} must be a JSON object` };
  }
  const version = (value as { version?: unknown }).version;
  if (version !== understood) {
    return {
      ok: false,
      error:
        version === undefined
          ? `${what} has no version (this ${reader} understands ${understood})`
          : `unsupported ${what} version ${JSON.stringify(version)} (this ${reader} understands ${understood})`,
    };
  }
  const parsed = opts.schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const lines = parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`);
  return { ok: false, error: `invalid ${what}: ${lines.join('; ')}` };
}

/** A zod issue path as a person writes it: `steps[1].timeoutMs`; `(root)` for the object itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || '(root)';
}
