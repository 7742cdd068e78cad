import { z } from 'zod';
import { ForgeSchema, RepoSchema } from './records.js';

/**
 * What registering a repository takes (`POST /api/repos`, `slipway repo add`). Secret material
 * (webhook secret, status token) goes in here and is sealed at once; it is never read back.
 */
const MAX_SECRET_CHARS = 64 * 1024;

/**
 * A clone URL git may fetch from: https, http, ssh, git or file URLs, scp-style `user@host:path`
 * or an absolute path. Never an option (`-…`) or a transport that runs commands (`ext::`, `fd::`).
 */
export const CloneUrlSchema = z
  .string()
  .min(1)
  .max(2048)
  .refine(
    (u) => ![...u].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f),
    'a clone URL may not contain spaces or control characters',
  )
  .refine(
    (u) =>
      /^(https?|ssh|git|file):\/\/[^/]*/.test(u) ||
      /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^-]/.test(u) ||
      u.startsWith('/'),
    'expected an https://, http://, ssh://, git:// or file:// URL, user@host:path, or an absolute path',
  );

export const RepoInputSchema = z
  .strictObject({
    fullName: RepoSchema.shape.fullName,
    forge: ForgeSchema,
    cloneUrl: CloneUrlSchema,
    webhookSecret: z
      .string()
      .min(8, 'a webhook secret needs at least 8 characters')
      .max(MAX_SECRET_CHARS)
      .optional(),
    statusToken: z.string().min(1).max(MAX_SECRET_CHARS).optional(),
    apiUrl: z.url({ protocol: /^https?$/ }).optional(),
    public: z.boolean().optional(),
    defaultBranch: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\s~^:?*[\\]+$/, 'not a valid branch name')
      .optional(),
  })
  .refine((r) => r.forge !== 'gitea' || !r.statusToken || r.apiUrl, {
    path: ['apiUrl'],
    message: 'a Gitea/Forgejo status token needs the API base URL (e.g. https://gitea.example.com/api/v1)',
  });
export type RepoInput = z.infer<typeof RepoInputSchema>;

/**
 * A repository secret's name: an environment variable name, not `CI` or `CI_*` (reserved), as the
 * pipeline's `secrets:` list names them. Values are 1 character to 64 KiB.
 */
export const SecretNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name is a variable name: letters, digits, _')
  .refine((n) => n !== 'CI' && !n.startsWith('CI_'), 'names CI and CI_* are reserved');
export const SecretValueSchema = z.string().min(1, 'a secret value may not be empty').max(MAX_SECRET_CHARS);
