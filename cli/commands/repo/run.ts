import type { Repo } from '../../../server/store/index.js';
import type { ServerFlags } from '../../flags.js';
import { reportFailure } from '../../output.js';
import { apiRequest } from '../../server-api.js';
import { secretValues } from '../exec/secrets.js';

export interface RepoAddOptions extends ServerFlags {
  cloneUrl: string;
  forge: string;
  webhookSecret?: string;
  statusToken?: string;
  apiUrl?: string;
  public?: boolean;
  defaultBranch?: string;
}

export interface RepoListOptions extends ServerFlags {
  json?: boolean;
}

export interface SecretSetOptions extends ServerFlags {
  valueFromEnv?: string;
  valueFile?: string;
}

/** `slipway repo add`: POST /api/repos; prints what the server stored. */
export async function repoAdd(fullName: string, opts: RepoAddOptions): Promise<void> {
  try {
    const body = {
      fullName,
      forge: opts.forge,
      cloneUrl: opts.cloneUrl,
      webhookSecret: opts.webhookSecret ?? (process.env.SLIPWAY_WEBHOOK_SECRET || undefined),
      statusToken: opts.statusToken ?? (process.env.SLIPWAY_STATUS_TOKEN || undefined),
      apiUrl: opts.apiUrl,
      public: opts.public,
      defaultBranch: opts.defaultBranch,
    };
    const repo = (await apiRequest(opts, 'POST', '/api/repos', body)) as Repo;
    const extras = [
      repo.hasWebhookSecret ? 'webhook secret set' : 'no webhook secret',
      repo.public ? 'public' : 'private',
    ];
    console.log(`registered ${repo.fullName} (${repo.forge}, ${extras.join(', ')})`);
  } catch (err) {
    reportFailure(err);
  }
}

/** `slipway repo list`: one line per repository (or the JSON). */
export async function repoList(opts: RepoListOptions): Promise<void> {
  try {
    const repos = (await apiRequest(opts, 'GET', '/api/repos')) as Repo[];
    if (opts.json) return void console.log(JSON.stringify(repos, null, 2));
    if (repos.length === 0) return void console.log('no repositories');
    const width = Math.max(...repos.map((r) => r.fullName.length));
    for (const r of repos) {
      const secrets = r.secretNames.length > 0 ? `secrets: ${r.secretNames.join(', ')}` : 'no secrets';
      console.log(
        `${r.fullName.padEnd(width)}  ${r.forge.padEnd(6)}  ${r.public ? 'public ' : 'private'}  ${r.cloneUrl}  ${secrets}`,
      );
    }
  } catch (err) {
    reportFailure(err);
  }
}

/** `slipway repo secret set`: PUT the value read from a variable, a file or stdin. */
export async function secretSet(fullName: string, name: string, opts: SecretSetOptions): Promise<void> {
  try {
    const value = await secretValue(name, opts);
    const [owner, repo] = splitName(fullName);
    await apiRequest(opts, 'PUT', `/api/repos/${owner}/${repo}/secrets/${encodeURIComponent(name)}`, {
      value,
    });
    console.log(`secret ${name} set for ${fullName}`);
  } catch (err) {
    reportFailure(err);
  }
}

async function secretValue(name: string, opts: SecretSetOptions): Promise<string> {
  if (opts.valueFromEnv && opts.valueFile)
    throw new Error('give either --value-from-env or --value-file, not both');
  if (opts.valueFromEnv) {
    const v = process.env[opts.valueFromEnv];
    if (v === undefined) throw new Error(`--value-from-env ${opts.valueFromEnv}: the variable is not set`);
    return v;
  }
  if (opts.valueFile) return (await secretValues([], [`${name}=${opts.valueFile}`])).get(name) as string;
  if (process.stdin.isTTY) process.stderr.write(`value of ${name} (end with Ctrl-D): `);
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `owner/name` as two path segments; a GitLab namespace's slashes go as %2F in the first. */
function splitName(fullName: string): [string, string] {
  const at = fullName.lastIndexOf('/');
  if (at <= 0) throw new Error(`expected OWNER/NAME, got ${JSON.stringify(fullName)}`);
  return [encodeURIComponent(fullName.slice(0, at)), encodeURIComponent(fullName.slice(at + 1))];
}
