import { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';
import type { ImageRuntimeConfig } from './types.js';

const strings = z.array(z.string()).nullish();
const runtimeConfigSchema = z.object({
  Env: strings,
  User: z.string().nullish(),
  WorkingDir: z.string().nullish(),
  Entrypoint: strings,
  Cmd: strings,
});

/**
 * Picks what the runtime needs from an image config's `config` object (untrusted, from a
 * registry): Env, User, WorkingDir, Entrypoint, Cmd. Other fields are ignored; wrong types are
 * a permanent error naming the image.
 */
export function imageRuntimeConfig(config: unknown, image?: string): ImageRuntimeConfig {
  const parsed = runtimeConfigSchema.safeParse(config ?? {});
  if (!parsed.success)
    throw new SlipwayError(`image ${image ?? ''} has an invalid config: ${z.prettifyError(parsed.error)}`, {
      context: { image },
    });
  const c = parsed.data;
  const out: ImageRuntimeConfig = {};
  if (c.Env) out.Env = c.Env;
  if (c.User) out.User = c.User;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Entrypoint) out.Entrypoint = c.Entrypoint;
  if (c.Cmd) out.Cmd = c.Cmd;
  return out;
}
