import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MAX_BODY_BYTES, parseJson, rejected, UNAUTHORIZED, type WebhookOutcome } from './event.js';

/** Signs nothing real: checked when the repository is unknown, so both 401s take as long. */
const DECOY_SECRET = randomBytes(32).toString('hex');

const NamedRepoSchema = z.object({ repository: z.object({ full_name: z.string().min(1) }) });

/** The repository a GitHub or Gitea payload names (`repository.full_name`). */
const repositoryFullName = (body: unknown): string | undefined => {
  const named = NamedRepoSchema.safeParse(body);
  return named.success ? named.data.repository.full_name : undefined;
};

/** How a forge signs: the header's form, and a constant-time check of it over the raw body. */
export type SignatureScheme = {
  header: string;
  form: RegExp;
  check: (secret: string, rawBody: Buffer, signature: string) => Promise<boolean> | boolean;
};

/** An authenticated delivery: its parsed body, or the outcome that refuses it. */
export type Authenticated = { ok: true; body: unknown } | { ok: false; outcome: WebhookOutcome };

/**
 * The checks every forge shares, in an order that leaks nothing: size (413), signature present
 * and well formed (401, before any lookup), body UTF-8 JSON naming a repository (400/401),
 * then the signature against that repository's secret, or a decoy, one 401 for both failures.
 * `repoName` finds the repository in the payload (default: `repository.full_name`).
 */
export async function authenticate(
  rawBody: Buffer,
  signature: string | undefined,
  scheme: SignatureScheme,
  secretFor: (repoFullName: string) => string | undefined | Promise<string | undefined>,
  repoName: (body: unknown) => string | undefined = repositoryFullName,
): Promise<Authenticated> {
  const no = (outcome: WebhookOutcome): Authenticated => ({ ok: false, outcome });
  if (rawBody.length > MAX_BODY_BYTES) return no(rejected(413, `body over ${MAX_BODY_BYTES} bytes`));
  if (signature === undefined || !scheme.form.test(signature))
    return no(rejected(401, `unsigned: no ${scheme.header}`));
  const body = parseJson(rawBody);
  if (body === undefined) return no(rejected(400, 'body is not UTF-8 JSON'));
  const name = repoName(body);
  if (name === undefined) return no(rejected(401, UNAUTHORIZED));
  const secret = await secretFor(name);
  const valid = await scheme.check(secret ?? DECOY_SECRET, rawBody, signature);
  if (secret === undefined || !valid) return no(rejected(401, UNAUTHORIZED));
  return { ok: true, body };
}
