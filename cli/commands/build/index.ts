import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addOciOptions, type OciCliOptions } from '../../oci-options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface BuildCliOptions extends OciCliOptions {
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

/** `slipway build`: builds a Dockerfile into the local image store, like `docker build`. */
export function register(program: Command): void {
  addOciOptions(
    program
      .command('build')
      .argument('<context>', 'build context directory')
      .description('build an image from a Dockerfile (no daemon: RUN runs in runc)'),
    true,
  )
    .option('-t, --tag <ref>', 'name the image (repeatable)', collect)
    .option('-f, --file <path>', 'the Dockerfile (default: CONTEXT/Dockerfile)')
    .option('--build-arg <k=v>', 'set a build argument (repeatable)', collect)
    .option('--target <stage>', 'build this stage')
    .option('--push', 'push every tag after the build')
    .option('--cache-from <ref>', 'import build cache from a registry reference (repeatable)', collect)
    .option('--cache-to <ref>', 'export the build cache to a registry reference')
    .option('--no-cache', 'run every instruction')
    .option('--secret <id=x,src=path>', 'a secret for RUN --mount=type=secret (repeatable)', collect)
    .option('--network <mode>', 'network of RUN instructions: bridge (default) or none')
    .action(async (context: string, opts: BuildCliOptions) => {
      const { runBuildCommand } = await import('./run.js');
      process.exitCode = await runBuildCommand(context, {
        ...opts,
        buildArgs: parseBuildArgs(opts.buildArg),
        secrets: parseSecrets(opts.secret),
      });
    });
}
