import { resolve } from 'node:path';
import { cliRegistryClient, type OciCliOptions } from '../../oci-options.js';

export interface BuildCommandOptions extends OciCliOptions {
  tag?: string[];
  file?: string;
  buildArgs: Record<string, string>;
  secrets: Record<string, string>;
  target?: string;
  push?: boolean;
  cacheFrom?: string[];
  cacheTo?: string;
  cache?: boolean;
  network?: string;
}

/**
 * Runs `slipway build` and returns the exit code: 0 with the image digest printed last, 1
 * with the failing instruction, its exit code and the last output lines on stderr.
 * SOURCE_DATE_EPOCH in the environment makes the image reproducible.
 */
export async function runBuildCommand(context: string, opts: BuildCommandOptions): Promise<number> {
  const { buildImage, BuildFailure } = await import('../../../runner/builder/index.js');
  const { dataDirPaths, defaultDataDir } = await import('../../../runner/data-dir.js');
  const { buildProgressPrinter } = await import('./progress.js');
  try {
    if (opts.network !== undefined && opts.network !== 'bridge' && opts.network !== 'none')
      throw new Error(`--network must be bridge or none, not "${opts.network}"`);
    const sde = process.env.SOURCE_DATE_EPOCH;
    if (sde !== undefined && !/^\d{1,12}$/.test(sde))
      throw new Error(`SOURCE_DATE_EPOCH must be seconds since the epoch, not "${sde}"`);
    const result = await buildImage({
      contextDir: resolve(context),
      dockerfile: opts.file ? resolve(opts.file) : undefined,
      target: opts.target,
      buildArgs: opts.buildArgs,
      tags: opts.tag ?? [],
      noCache: opts.cache === false,
      cacheFrom: opts.cacheFrom,
      cacheTo: opts.cacheTo,
      push: opts.push ?? false,
      dataDir: opts.dataDir ?? defaultDataDir(),
      // Without --insecure-registry the builder's default client is the same (credentials
      // from the data dir's auth.json, then Docker's config), and it loads the HTTP stack only
      // when the build needs a registry (a fully cached build never does).
      registry: opts.insecureRegistry?.length
        ? await cliRegistryClient(opts.dataDir ?? defaultDataDir(), opts.insecureRegistry)
        : undefined,
      sourceDateEpoch: sde === undefined ? undefined : Number(sde),
      secrets: opts.secrets,
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
