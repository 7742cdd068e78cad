import { excerpt } from '../../../lib/excerpt.js';
import type { LogLine } from '../../runtime/index.js';
import type { StageConfigState } from '../config/apply.js';
import { DEFAULT_SHELL } from '../config/types.js';
import type { EvaluatedStep } from '../dockerfile/evaluate.js';
import type { EvaluatedRun } from '../dockerfile/model.js';
import type { BuildContext } from './context.js';
import { BuildFailure } from './errors.js';
import {
  dropCopiedUpAncestors,
  missingMountpoints,
  RUNTIME_MOUNT_TARGETS,
  type RuntimeMountpoints,
  removeMountpoints,
} from './mountpoints.js';
import { withRunMounts } from './run-mounts.js';
import type { LayerRef } from './workspace.js';

const TAIL_LINES = 20;

/** The argv of a RUN: exec form as is; shell form through SHELL, heredoc bodies handed to the shell. */
export function runArgv(ins: EvaluatedRun, shell: string[] | undefined): string[] {
  const sh = shell ?? DEFAULT_SHELL;
  if (ins.command.form === 'exec') return ins.command.argv;
  const text = ins.command.text;
  const only = ins.heredocs.length === 1 && /^\s*<<-?\s*["']?[A-Za-z0-9_.-]+["']?\s*$/.test(text);
  if (only) return [...sh, ins.heredocs[0]!.content];
  return [...sh, `${text}${ins.heredocs.map((h) => `\n${h.content}${h.name}`).join('')}`];
}

/** RUN's environment on top of the image Env: declared build args (ENV wins) and proxy args. */
function runEnv(state: StageConfigState, step: EvaluatedStep): Record<string, string> {
  const envNames = new Set((state.image.config.Env ?? []).map((e) => e.split('=')[0]));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...step.proxyArgs, ...step.args })) if (!envNames.has(k)) out[k] = v;
  return out;
}

/**
 * Executes a RUN in a container over the stage's layers and returns the new layer (the
 * overlay's upper dir, minus the mount points the runtime created and the directories copied up
 * only to hold them: a RUN that changes nothing gives an empty layer). A non-zero exit throws a
 * BuildFailure with the command, the exit code and the last output lines.
 */
export async function executeRun(
  ctx: BuildContext,
  stage: number,
  index: number,
  layers: LayerRef[],
  state: StageConfigState,
  step: EvaluatedStep,
  location: string,
): Promise<LayerRef> {
  const ins = step.instruction as EvaluatedRun;
  const cfg = state.image.config;
  const workdir = cfg.WorkingDir || '/';
  const { runtime, job } = await ctx.runJob();
  const tail: string[] = [];
  const sink = {
    write(line: LogLine) {
      // The tail goes into the error message: each line cut, as the instruction is.
      tail.push(excerpt(line.text, 500));
      if (tail.length > TAIL_LINES) tail.shift();
      ctx.emit({ type: 'log', index, line });
    },
  };
  let created: RuntimeMountpoints = { created: [], ancestors: [] };
  const { layer } = await ctx.ws.withRoot(
    layers,
    async (root) =>
      withRunMounts(ctx, stage, ins.mounts, workdir, async (mounts) => {
        const targets = [...RUNTIME_MOUNT_TARGETS, ...mounts.map((m) => m.target)];
        created = await missingMountpoints(root.merged, targets);
        const name = `step-${stage}-${index}-${Math.random().toString(36).slice(2, 8)}`;
        ctx.emit({ type: 'step-running', index, container: name });
        const result = await runtime.run(
          job,
          {
            name,
            lowerDirs: [],
            rootfs: root.merged,
            imageConfig: { Env: cfg.Env, User: cfg.User, WorkingDir: workdir },
            entrypoint: runArgv(ins, cfg.Shell),
            args: [],
            env: runEnv(state, step),
            workdir,
            mounts,
            network: ins.network === 'none' ? 'none' : 'job',
          },
          { sink, signal: ctx.opts.signal },
        );
        await removeMountpoints(created);
        if (result.exitCode !== 0 || result.cancelled || result.timedOut) {
          const what = result.message ?? `exit code ${result.exitCode}`;
          throw new BuildFailure(
            `${location}: ${excerpt(ins.original)} failed: ${what}${tail.length ? `\n${tail.join('\n')}` : ''}`,
            { location, instruction: ins.original, exitCode: result.exitCode, outputTail: [...tail] },
          );
        }
      }),
    (upper) => dropCopiedUpAncestors(upper, created),
  );
  return layer;
}
