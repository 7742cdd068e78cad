import { z } from 'zod';
import { DURATION_HINT, parseDuration } from './duration.js';
import { globProblem } from './glob.js';
import { imageRefProblem } from './image-ref.js';
import { scanTemplate, withPlaceholders } from './variables.js';

/**
 * Building blocks shared by the pipeline schemas. Messages here are written for people: the
 * parser prefixes them with `file:line:col:` and appends what was found when the type is wrong.
 */

/** Marker put in `unrecognized_keys` messages so the parser can suggest the nearest known key. */
export const KNOWN_KEYS_MARK = 'known-keys:';

/** A mapping that rejects unknown keys (and lets the parser suggest the key that was meant). */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = KNOWN_KEYS_MARK + JSON.stringify(Object.keys(shape));
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? known : 'expected a mapping (key: value)'),
  });
}

/** One item or a list of items; always a list after parsing. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));
}

/** A scalar written as a string, number or boolean; always a string after parsing. */
export const scalarString = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' })
  .transform(String);

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A job, service or step-free identifier: letters, digits, `_`, `.`, `-`. */
export const name = (what: string) =>
  z.string({ error: `expected a ${what} name` }).regex(NAME, {
    error: (iss) =>
      `invalid ${what} name "${String(iss.input)}": use letters, digits, "_", "." and "-" (starting with a letter or digit)`,
  });

/** A string that may contain `${VAR}` references; their syntax is checked here, names at plan time. */
export const template = (what = 'a string') =>
  z.string({ error: `expected ${what}` }).superRefine((s, ctx) => {
    const scanned = scanTemplate(s);
    if ('problem' in scanned) ctx.addIssue({ code: 'custom', message: scanned.problem });
  });

/** An env variable map; keys must be shell names and must not start with CI_ (reserved). */
export const envMap = z.record(
  z
    .string()
    .regex(ENV_NAME, {
      error: (iss) => `invalid variable name "${String(iss.input)}": use letters, digits and "_"`,
    })
    .refine((k) => k !== 'CI' && !k.startsWith('CI_'), {
      error: (iss) => `variable name "${String(iss.input)}" is reserved (CI and CI_* are set by Slipway)`,
    }),
  z
    .union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' })
    .transform(String)
    .superRefine((s, ctx) => {
      const scanned = scanTemplate(s);
      if ('problem' in scanned) ctx.addIssue({ code: 'custom', message: scanned.problem });
    }),
  { error: 'expected a mapping of variable names to values' },
);

export const image = template('an image reference').superRefine((s, ctx) => {
  if ('problem' in scanTemplate(s)) return;
  const problem = imageRefProblem(withPlaceholders(s));
  if (problem && !problem.startsWith('invalid variable')) ctx.addIssue({ code: 'custom', message: problem });
});

export const duration = z
  .string({ error: `expected ${DURATION_HINT}` })
  .refine((s) => parseDuration(s) !== undefined, {
    error: (iss) => `invalid duration "${String(iss.input)}": expected ${DURATION_HINT}`,
  });

export const retry = z
  .number({ error: 'expected a retry count (a whole number from 0 to 10)' })
  .int({ error: 'expected a retry count (a whole number from 0 to 10)' })
  .min(0, { error: 'retry must be between 0 and 10' })
  .max(10, { error: 'retry must be between 0 and 10' });

export const glob = z.string({ error: 'expected a glob pattern' }).superRefine((g, ctx) => {
  const problem = globProblem(g);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A path inside the workspace: relative, without `..` segments. */
export const relativePath = (what: string) =>
  z.string({ error: `expected ${what}` }).superRefine((p, ctx) => {
    if (p.trim() === '') ctx.addIssue({ code: 'custom', message: `${what} is empty` });
    else if (p.startsWith('/'))
      ctx.addIssue({ code: 'custom', message: `${what} "${p}" must be relative to the workspace` });
    else if (p.split('/').includes('..'))
      ctx.addIssue({ code: 'custom', message: `${what} "${p}" must not contain ".."` });
  });

export const absolutePath = (what: string) =>
  z.string({ error: `expected ${what}` }).superRefine((p, ctx) => {
    if (!p.startsWith('/') || p.split('/').includes('..')) {
      ctx.addIssue({ code: 'custom', message: `${what} "${p}" must be an absolute path without ".."` });
    }
  });

/**
 * A step's working directory: absolute, or relative to the workspace (the planner resolves it
 * against the job's `workspace`); never with `..` segments.
 */
export const workdir = z.string({ error: 'expected a directory' }).superRefine((p, ctx) => {
  if (p.trim() === '') ctx.addIssue({ code: 'custom', message: 'expected a directory, got an empty string' });
  else if (p.split('/').includes('..'))
    ctx.addIssue({
      code: 'custom',
      message: `"${p}" must not contain "..": use an absolute path or a path inside the workspace`,
    });
});

const USER = /^[^\s:]+(:[^\s:]+)?$/;
const USER_HINT = 'a user name or uid, optionally with a group (like "1000", "node" or "1000:1000")';

/** A step's user: `name`, `uid`, `name:group` or `uid:gid`; a YAML number is a uid, a boolean is an error. */
export const user = z
  .union(
    [
      z.string(),
      z.number().refine((n) => Number.isInteger(n) && n >= 0, {
        error: (iss) => `expected ${USER_HINT}, got number ${String(iss.input)}`,
      }),
    ],
    { error: `expected ${USER_HINT}` },
  )
  .transform(String)
  .refine((u) => USER.test(u), {
    error: (iss) => `expected ${USER_HINT}, got ${JSON.stringify(iss.input)}`,
  });

export const boolean = (what: string) => z.boolean({ error: `${what} must be true or false` });
