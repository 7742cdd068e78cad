import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';
import type { Redis } from '../../lib/redis.js';
import { keys } from './keys.js';

/**
 * API tokens and job-scoped tokens. A token is `slp_` (API) or `slj_` (job) + 32 random bytes in
 * base64url; only its sha256 is stored, so Redis never holds a usable token. Checking a token is
 * a lookup by its hash: nothing is compared byte by byte, so timing tells nothing about it.
 */
export const TokenNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/, 'a token name is 1–64 letters, digits, `_.@-`');

export interface ApiTokenInfo {
  name: string;
  createdAt: number;
}
const InfoSchema = z.strictObject({ name: z.string(), createdAt: z.number() });

const API_TOKEN = /^slp_[A-Za-z0-9_-]{43}$/;
const JOB_TOKEN = /^slj_[A-Za-z0-9_-]{43}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Makes an API token called `name` and returns it; it is shown once and stored only hashed. */
export async function createApiToken(redis: Redis, name: string): Promise<string> {
  const parsed = TokenNameSchema.safeParse(name);
  if (!parsed.success)
    throw new SlipwayError(`invalid token name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}`);
  const token = `slp_${randomBytes(32).toString('base64url')}`;
  const info: ApiTokenInfo = { name: parsed.data, createdAt: Date.now() };
  await redis.hset(keys.apiTokens, tokenHash(token), JSON.stringify(info));
  return token;
}

/** The token's name and creation time when `token` is a live API token, else undefined. */
export async function verifyApiToken(redis: Redis, token: string): Promise<ApiTokenInfo | undefined> {
  if (!API_TOKEN.test(token)) return undefined;
  const raw = await redis.hget(keys.apiTokens, tokenHash(token));
  if (!raw) return undefined;
  return readInfo(raw);
}

function readInfo(raw: string): ApiTokenInfo | undefined {
  try {
    return InfoSchema.safeParse(JSON.parse(raw)).data;
  } catch {
    return undefined;
  }
}

/** Every API token's name and creation time (several tokens may share a name), oldest first. */
export async function listApiTokens(redis: Redis): Promise<ApiTokenInfo[]> {
  const all = Object.values(await redis.hgetall(keys.apiTokens));
  return all
    .flatMap((raw) => readInfo(raw) ?? [])
    .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
}

/** Revokes every API token called `name`; resolves with how many there were. */
export async function revokeApiToken(redis: Redis, name: string): Promise<number> {
  const all = await redis.hgetall(keys.apiTokens);
  const hashes = Object.entries(all).flatMap(([hash, raw]) => (readInfo(raw)?.name === name ? [hash] : []));
  if (hashes.length === 0) return 0;
  return redis.hdel(keys.apiTokens, ...hashes);
}

/**
 * A token that opens `GET /api/jobs/<jobId>/secrets` for `ttlMs` (or until revoked). Issuing
 * again for the same job revokes the job's earlier token.
 */
export async function issueJobToken(redis: Redis, jobId: string, ttlMs: number): Promise<string> {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw new SlipwayError(`job token TTL must be a positive integer of ms, got ${ttlMs}`);
  await revokeJobToken(redis, jobId);
  const token = `slj_${randomBytes(32).toString('base64url')}`;
  const hash = tokenHash(token);
  await redis
    .multi()
    .set(keys.jobToken(hash), jobId, 'PX', ttlMs)
    .set(keys.jobTokenOf(jobId), hash, 'PX', ttlMs)
    .exec();
  return token;
}

/** The global job id a live job-scoped token opens, else undefined. */
export async function jobForToken(redis: Redis, token: string): Promise<string | undefined> {
  if (!JOB_TOKEN.test(token)) return undefined;
  return (await redis.get(keys.jobToken(tokenHash(token)))) ?? undefined;
}

/** Ends the job's token at once (the orchestrator calls it when the job ends); idempotent. */
export async function revokeJobToken(redis: Redis, jobId: string): Promise<void> {
  const hash = await redis.get(keys.jobTokenOf(jobId));
  if (!hash) return; // none was made (a job without secrets), or it is revoked already
  await redis.multi().del(keys.jobTokenOf(jobId)).del(keys.jobToken(hash)).exec();
}
