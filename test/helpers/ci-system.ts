import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { freePort } from '../../lib/net.js';
import { connectRedis, type Redis } from '../../lib/redis.js';
import { dataDirPaths } from '../../runner/data-dir.js';
import { gcRuntime } from '../../runner/runtime/index.js';
import { createApiToken, FINAL_RUN_STATUSES, listRuns, type RunRecord } from '../../server/store/index.js';
import { onCleanup } from './cleanup.js';
import { git } from './git-repo.js';
import { testRedis, testRedisCluster } from './redis.js';
import { type TestRegistry, testRegistry } from './registry.js';
import { requireBinary, requireRoot } from './requirements.js';
import { seedStore } from './seed-store.js';
import { type SlipwayProcess, slipway, spawnSlipway } from './slipway-cli.js';
import { tempDir } from './tmp.js';

const HOOK = new URL('../fixtures/hooks/post-receive.mjs', import.meta.url).pathname;

/** A whole Slipway CI system of real processes: Redis, a registry, `slipway server`, runners. */
export interface CiSystem {
  redisUrl: string;
  /** Stops Redis, waits `downMs`, starts it again on its files (AOF) and port. */
  restartRedis(downMs?: number): Promise<void>;
  /** A connection for the test's own reads (closed after the file). */
  redis: Redis;
  registry: TestRegistry;
  /** The server's base URL. */
  url: string;
  /** An admin API token. */
  token: string;
  /** The `slipway server` running now. */
  readonly server: SlipwayProcess;
  /** Kills the server with SIGKILL, waits `downMs`, starts it again on its port and data dir. */
  killServer(downMs?: number): Promise<void>;
  /**
   * Starts another `slipway server` on the same Redis (its own port and data dir, the first
   * one's secret key, the same `serverArgs`); stopped after the file. Resolves with its URL.
   */
  addServer(): Promise<{ url: string; process: SlipwayProcess }>;
  /**
   * Starts `slipway runner` over a fresh data dir with busybox:latest in its store, or over
   * `dataDir` (a runner started again where an earlier one ran).
   */
  startRunner(
    name: string,
    args?: string[],
    opts?: { dataDir?: string },
  ): Promise<SlipwayProcess & { dataDir: string }>;
  /** `slipway repo add …` (and more CLI) against this server with the admin token. */
  cli(args: string[], env?: Record<string, string>): Promise<{ code: number; out: string }>;
  /** GET/POST the API with the admin token; resolves with status and parsed body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /**
   * A bare repository served as a forge: its post-receive hook sends `forge`'s push webhook for
   * `fullName`, signed with `secret`, to this server. Returns its path (the clone URL).
   */
  bareRepo(forge: Forge, fullName: string, secret: string, hookBase?: string): Promise<string>;
  /**
   * Registers `fullName` (through `slipway repo add`, and `repo secret set` for `secrets`) with
   * a fresh webhook secret, served by a bare repository as bareRepo makes it (its hook sending
   * to `hookBase` instead of this server when given).
   */
  addRepo(
    forge: Forge,
    fullName: string,
    opts?: { secrets?: Record<string, string>; args?: string[]; hookBase?: string },
  ): Promise<{ bare: string; webhookSecret: string }>;
  /** Waits until `repo` has at least `count` runs, all final; returns them newest first. */
  finishedRuns(repo: string, count: number, timeoutMs?: number): Promise<RunRecord[]>;
}

type Forge = 'github' | 'gitlab' | 'gitea';

/**
 * Starts the CI system for one test file (everything stopped after it). Needs root, runc,
 * redis-server, docker-registry, git and skopeo; fails naming what is missing. `serverArgs` go
 * to `slipway server` (each start of it; a function of the registry when they name it).
 * `cluster`: Redis is a 3-master Redis Cluster (testRedisCluster) instead of one server.
 */
export async function startCiSystem(
  opts: { serverArgs?: string[] | ((registry: TestRegistry) => string[]); cluster?: boolean } = {},
): Promise<CiSystem> {
  requireRoot();
  for (const [bin, pkg] of [
    ['runc', 'runc'],
    ['git', 'git'],
    ['skopeo', 'skopeo'],
    ['ip', 'iproute2'],
  ] as const)
    requireBinary(bin, pkg);
  const redisServer = opts.cluster
    ? {
        url: (await testRedisCluster()).url,
        restart: () => Promise.reject(new Error('restartRedis: not on a Redis Cluster')),
      }
    : await testRedis();
  const redis = connectRedis(redisServer.url, 'test');
  redis.on('error', () => undefined); // reconnects by itself (a test may restart Redis)
  onCleanup(() => redis.quit());
  const registry = await testRegistry();
  const token = await createApiToken(redis, 'admin');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serverDir = await tempDir('ci-server');
  const spawnServer = async (listenPort: number, dataDir: string) => {
    const started = spawnSlipway([
      'server',
      '--listen',
      `127.0.0.1:${listenPort}`,
      '--redis',
      redisServer.url,
      '--data-dir',
      dataDir,
      ...(typeof opts.serverArgs === 'function' ? opts.serverArgs(registry) : (opts.serverArgs ?? [])),
    ]);
    onCleanup(() => stop(started));
    await started.waitFor(/listening on/, 30_000);
    return started;
  };
  const startServer = () => spawnServer(port, serverDir);
  let server = await startServer();
  const env = { SLIPWAY_SERVER: url, SLIPWAY_TOKEN: token };
  const ci: CiSystem = {
    redisUrl: redisServer.url,
    restartRedis: (downMs) => redisServer.restart(downMs),
    get server() {
      return server;
    },
    async killServer(downMs = 1000) {
      server.child.kill('SIGKILL');
      await server.exited;
      await new Promise((r) => setTimeout(r, downMs));
      server = await startServer();
    },
    async addServer() {
      const dataDir = await tempDir('ci-server');
      await mkdir(dirname(dataDirPaths.secretKey(dataDir)), { recursive: true, mode: 0o700 });
      await copyFile(dataDirPaths.secretKey(serverDir), dataDirPaths.secretKey(dataDir));
      const otherPort = await freePort();
      return { url: `http://127.0.0.1:${otherPort}`, process: await spawnServer(otherPort, dataDir) };
    },
    redis,
    registry,
    url,
    token,
    async startRunner(name, args = [], opts = {}) {
      const dataDir = opts.dataDir ?? (await tempDir(`ci-runner-${name}`));
      if (!opts.dataDir) {
        await seedStore(dataDir, 'busybox', ['busybox:latest']);
        // After every runner on it stopped (cleanups run in reverse): what a runner killed with
        // kill -9 left on the host (mounts, netns, bridges) is collected, as its restart would.
        onCleanup(() => gcRuntime(dataDir));
      }
      const runner = spawnSlipway([
        'runner',
        '--redis',
        redisServer.url,
        '--data-dir',
        dataDir,
        '--name',
        name,
        '--allow-registry',
        registry.host,
        '--grace',
        '5s',
        ...args,
      ]);
      onCleanup(() => stop(runner));
      await runner.waitFor(/taking jobs/, 60_000);
      return Object.assign(runner, { dataDir });
    },
    cli: (args, more = {}) => slipway(args, { ...env, ...more }),
    async api(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async bareRepo(forge, fullName, secret, hookBase = url) {
      const dir = join(await tempDir('ci-forge'), `${fullName.replaceAll('/', '_')}.git`);
      await mkdir(dir);
      git(dir, 'init', '-q', '--bare', '-b', 'main');
      const hook = join(dir, 'hooks', 'post-receive');
      const args = [HOOK, forge, `${hookBase}/hooks/${forge}`, secret, fullName, dir].map(shellQuote);
      await writeFile(hook, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${args.join(' ')}\n`);
      await chmod(hook, 0o755);
      return dir;
    },
    async addRepo(forge, fullName, { secrets = {}, args = [], hookBase } = {}) {
      const webhookSecret = `wh-${randomBytes(8).toString('hex')}`;
      const bare = await ci.bareRepo(forge, fullName, webhookSecret, hookBase);
      const add = [
        'repo',
        'add',
        fullName,
        '--clone-url',
        bare,
        '--forge',
        forge,
        '--webhook-secret',
        webhookSecret,
      ];
      if (forge === 'gitea' && !args.includes('--api-url'))
        add.push('--api-url', 'http://127.0.0.1:9/api/v1');
      const added = await ci.cli([...add, ...args]);
      if (added.code !== 0) throw new Error(`slipway repo add failed:\n${added.out}`);
      for (const [name, value] of Object.entries(secrets)) {
        const set = await ci.cli(['repo', 'secret', 'set', fullName, name, '--value-from-env', 'V'], {
          V: value,
        });
        if (set.code !== 0) throw new Error(`slipway repo secret set failed:\n${set.out}`);
      }
      return { bare, webhookSecret };
    },
    async finishedRuns(repo, count, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const runs = await listRuns(redis, repo);
        if (runs.length >= count && runs.every((r) => FINAL_RUN_STATUSES.includes(r.status))) return runs;
        if (Date.now() > deadline)
          throw new Error(
            `runs of ${repo}: ${JSON.stringify(runs.map((r) => r.status))}\n${server.output()}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  return ci;
}

async function stop(p: SlipwayProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const killed = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(killed);
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Polls `check` every 100 ms until it returns a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
