import { z } from 'zod';
import { deepFreeze } from './record-memo.js';

/**
 * `schema` for a part of a record that is written far more often than it changes (a job's
 * JobSpec: each report rewrites the job record around the same spec). A value this schema
 * produced before, deep-frozen so nobody could have changed it since, passes again without
 * being checked; any other value is checked by `schema` in full and its result frozen and
 * remembered (by identity, weakly: nothing to clean up). What is stored is always valid.
 */
export function validatedOnce<S extends z.ZodType>(schema: S) {
  const valid = new WeakSet<object>();
  return z.unknown().transform((value, ctx): z.output<S> => {
    if (typeof value === 'object' && value !== null && valid.has(value)) return value as z.output<S>;
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    const frozen = deepFreeze(parsed.data);
    if (typeof frozen === 'object' && frozen !== null) valid.add(frozen);
    return frozen;
  });
}
