import { resolve } from 'node:path';
import { BuildFailure, buildImage } from '../../../runner/builder/index.js';
import { openRunnerHost } from '../../../runner/host.js';
import type { HostFlags } from '../../flags.js';
import { buildProgressPrinter } from './progress.js';

/** `slipway build`'s options as commander gives them (see index.ts). */
export interface BuildCliOptions extends HostFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  target?: string;
  push?: boolean;
  cacheFrom?: string[];
  cacheTo?: string;
  noCache?: boolean;
  cache?: boolean;
  secret?: string[];
  network?: string;
  cacheScope?: string;
}

/** `K=V` (or `K`, taking the value from the environment, as docker does). */
function parseBuildArgs(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new Error(`--build-arg "${item}": missing name`);
    if (eq < 0) {
      const v = process.env[item];
      if (v !== undefined) out[item] = v;
    } else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `id=x,src=path` (src also `source`) → id → absolute host path. */
function parseSecrets(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const kv = Object.fromEntries(
      item.split(',').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
    );
    const id = kv.id;
    const src = kv.src ?? kv.source;
    if (!id || !src) throw new Error(`--secret "${item}": expected id=NAME,src=PATH`);
    out[id] = resolve(src);
  }
  return out;
}

/**
 * Runs `slipway build` and returns the exit code: 0 with the image digest printed last, 1
 * with the failing instruction, its exit code and the last output lines on stderr.
 * SOURCE_DATE_EPOCH in the environment makes the image reproducible.
 */
export async function buildCommand(context: string, opts: BuildCliOptions): Promise<number> {
  try {
    if (opts.network !== undefined && opts.network !== 'bridge' && opts.network !== 'none')
      throw new Error(`--network must be bridge or none, not "${opts.network}"`);
    const sde = process.env.SOURCE_DATE_EPOCH;
    if (sde !== undefined && !/^\d{1,12}$/.test(sde))
      throw new Error(`SOURCE_DATE_EPOCH must be seconds since the epoch, not "${sde}"`);
    const buildArgs = parseBuildArgs(opts.buildArg);
    const secrets = parseSecrets(opts.secret);
    // The host loads the registry client (HTTP stack) and the runtime only when the build needs
    // them: a fully cached build needs neither.
    const host = await openRunnerHost({
      dataDir: opts.dataDir,
      insecureRegistries: opts.insecureRegistry,
      hostRegistries: 'any',
    });
    const result = await buildImage({
      contextDir: resolve(context),
      dockerfile: opts.file ? resolve(opts.file) : undefined,
      target: opts.target,
      buildArgs,
      tags: opts.tag ?? [],
      noCache: opts.cache === false,
      cacheFrom: opts.cacheFrom,
      cacheTo: opts.cacheTo,
      push: opts.push ?? false,
      host,
      ...(opts.cacheScope ? { cacheScope: opts.cacheScope } : {}),
      sourceDateEpoch: sde === undefined ? undefined : Number(sde),
      secrets,
      network: opts.network as 'bridge' | 'none' | undefined,
      onProgress: buildProgressPrinter(),
    });
    const ran = result.steps.filter((s) => !s.cached).length;
    console.log(
      `Successfully built ${result.manifestDigest} in ${(result.durationMs / 1000).toFixed(2)}s (${ran} of ${result.steps.length} steps run)`,
    );
    for (const ref of result.refs) console.log(`Successfully tagged ${ref}`);
    console.log(result.manifestDigest);
    return 0;
  } catch (err) {
    if (err instanceof BuildFailure) {
      console.error(`error: ${err.message}`);
      if (err.exitCode !== undefined)
        console.error(`error: the instruction exited with code ${err.exitCode}`);
    } else console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
