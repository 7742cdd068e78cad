import { SlipwayError } from '../../lib/errors.js';
import type { Redis } from '../../lib/redis.js';
import { keys } from './keys.js';
import { type Repo, RepoSchema } from './records.js';
import { type RepoInput, RepoInputSchema, SecretNameSchema, SecretValueSchema } from './repo-input.js';
import { type Keyring, open, seal } from './sealed.js';

const WEBHOOK = 'webhookSecret';
const STATUS = 'statusToken';
const SECRET = 'secret:';

/**
 * Registered repositories in Redis: the public record (`keys.repo`, JSON Repo) and, apart, the
 * sealed material (`keys.repoSealed`: webhook secret, status token, secrets), each value
 * AES-256-GCM sealed with the repository and field bound in. `hasWebhookSecret`,
 * `hasStatusToken` and `secretNames` are always derived from what is sealed.
 */
export class RepoStore {
  constructor(
    private readonly redis: Redis,
    private readonly ring: Keyring,
  ) {}

  /**
   * Registers a repository, or updates it when it exists (its creation time and secrets stay; a
   * webhook secret or status token left out keeps the one set before). Invalid input throws.
   */
  async add(input: RepoInput): Promise<{ repo: Repo; created: boolean }> {
    const parsed = RepoInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SlipwayError(`invalid repository: ${issue?.path.join('.') || 'input'}: ${issue?.message}`);
    }
    const r = parsed.data;
    const before = await this.get(r.fullName);
    const sealedKey = keys.repoSealed(r.fullName);
    const tx = this.redis.multi();
    if (r.webhookSecret)
      tx.hset(sealedKey, WEBHOOK, seal(this.ring, r.webhookSecret, context(r.fullName, WEBHOOK)));
    if (r.statusToken)
      tx.hset(sealedKey, STATUS, seal(this.ring, r.statusToken, context(r.fullName, STATUS)));
    const record = {
      fullName: r.fullName,
      forge: r.forge,
      cloneUrl: r.cloneUrl,
      ...((r.apiUrl ?? before?.apiUrl) ? { apiUrl: r.apiUrl ?? before?.apiUrl } : {}),
      public: r.public ?? before?.public ?? false,
      defaultBranch: r.defaultBranch ?? before?.defaultBranch ?? 'main',
      createdAt: before?.createdAt ?? Date.now(),
    };
    tx.set(keys.repo(r.fullName), JSON.stringify(record)).sadd(keys.repos, r.fullName);
    await tx.exec();
    const repo = await this.get(r.fullName);
    if (!repo)
      throw new SlipwayError(`repository ${r.fullName} vanished while it was being added`, {
        category: 'temporary',
      });
    return { repo, created: !before };
  }

  /** The repository as the API shows it, or undefined when it is not registered. */
  async get(fullName: string): Promise<Repo | undefined> {
    const [[, raw], [, fields]] = (await this.redis
      .multi()
      .get(keys.repo(fullName))
      .hkeys(keys.repoSealed(fullName))
      .exec()) as [[unknown, string | null], [unknown, string[]]];
    if (!raw) return undefined;
    const secretNames = fields.filter((f) => f.startsWith(SECRET)).map((f) => f.slice(SECRET.length));
    const parsed = RepoSchema.safeParse({
      ...(JSON.parse(raw) as object),
      hasWebhookSecret: fields.includes(WEBHOOK),
      hasStatusToken: fields.includes(STATUS),
      secretNames: secretNames.sort(),
    });
    if (!parsed.success)
      throw new SlipwayError(`repository record ${fullName} in Redis is invalid: ${parsed.error.message}`, {
        category: 'internal',
      });
    return parsed.data;
  }

  /** Every registered repository, by full name. */
  async list(): Promise<Repo[]> {
    const names = (await this.redis.smembers(keys.repos)).sort();
    const repos = await Promise.all(names.map((n) => this.get(n)));
    return repos.filter((r): r is Repo => r !== undefined);
  }

  /** Unregisters a repository and drops its sealed material; false when it was not registered. */
  async remove(fullName: string): Promise<boolean> {
    const res = await this.redis
      .multi()
      .del(keys.repo(fullName))
      .del(keys.repoSealed(fullName))
      .srem(keys.repos, fullName)
      .exec();
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }

  /** The repository's webhook secret in clear, for the webhook handlers' `secretFor`. */
  webhookSecret(fullName: string): Promise<string | undefined> {
    return this.openField(fullName, WEBHOOK);
  }

  /** The token for commit statuses on the forge, in clear. */
  statusToken(fullName: string): Promise<string | undefined> {
    return this.openField(fullName, STATUS);
  }

  /** Sets (or replaces) one secret of a registered repository. */
  async setSecret(fullName: string, name: string, value: string): Promise<void> {
    const n = SecretNameSchema.safeParse(name);
    if (!n.success)
      throw new SlipwayError(
        `invalid secret name ${JSON.stringify(name.slice(0, 200))}: ${n.error.issues[0]?.message}`,
      );
    const v = SecretValueSchema.safeParse(value);
    if (!v.success) throw new SlipwayError(`invalid value for secret ${name}: ${v.error.issues[0]?.message}`);
    if (!(await this.redis.sismember(keys.repos, fullName)))
      throw new SlipwayError(`repository ${fullName} is not registered`);
    const field = SECRET + name;
    await this.redis.hset(keys.repoSealed(fullName), field, seal(this.ring, value, context(fullName, field)));
  }

  /** Removes one secret; false when the repository had none of that name. */
  async deleteSecret(fullName: string, name: string): Promise<boolean> {
    return (await this.redis.hdel(keys.repoSealed(fullName), SECRET + name)) > 0;
  }

  /** The values of the asked secrets the repository has, in clear; names it lacks are left out. */
  async secretValues(fullName: string, names: readonly string[]): Promise<Record<string, string>> {
    const wanted = [...new Set(names)].filter((n) => SecretNameSchema.safeParse(n).success);
    if (wanted.length === 0) return {};
    const sealed = await this.redis.hmget(keys.repoSealed(fullName), ...wanted.map((n) => SECRET + n));
    const out: Record<string, string> = {};
    wanted.forEach((n, i) => {
      const v = sealed[i];
      if (v) out[n] = open(this.ring, v, context(fullName, SECRET + n));
    });
    return out;
  }

  private async openField(fullName: string, field: string): Promise<string | undefined> {
    const v = await this.redis.hget(keys.repoSealed(fullName), field);
    return v ? open(this.ring, v, context(fullName, field)) : undefined;
  }
}

/** What a sealed value is bound to: its repository and field (moving it elsewhere breaks it). */
function context(fullName: string, field: string): string {
  return `${fullName}\0${field}`;
}
