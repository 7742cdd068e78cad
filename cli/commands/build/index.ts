import type { Command } from 'commander';
import { addHostFlags, collect } from '../../flags.js';
import type { BuildCliOptions } from './run.js';

/** `slipway build`: builds a Dockerfile into the local image store, like `docker build`. */
export function register(program: Command): void {
  addHostFlags(
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
    .option(
      '--cache-scope <name>',
      'share RUN cache mounts with builds of this scope (default: the context dir)',
    )
    .action(async (context: string, opts: BuildCliOptions) => {
      process.exitCode = await (await import('./run.js')).buildCommand(context, opts);
    });
}
