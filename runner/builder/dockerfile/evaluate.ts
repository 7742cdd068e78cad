import { AUTOMATIC_PLATFORM_ARGS, PREDEFINED_PROXY_ARGS, resolveArg, VariableScope } from './args.js';
import { type DockerfileProblem, InstructionError, ok, type Result } from './errors.js';
import type { CopySource, Dockerfile, EvaluatedInstruction, Instruction, Mount, Stage } from './model.js';
import { parseMount, splitMountFields } from './mounts.js';
import { substitute } from './substitute.js';

/** One instruction ready for the executor, with the variables it ran with. */
export interface EvaluatedStep {
  instruction: EvaluatedInstruction;
  /** Declared ARGs with values in scope at this instruction (RUN env; part of RUN cache keys). */
  args: Record<string, string>;
  /** Predefined proxy args from --build-arg, undeclared: RUN env only, never history or cache. */
  proxyArgs: Record<string, string>;
}

export interface EvalOptions {
  buildArgs: Record<string, string>;
  /** Values of the global ARGs (from `evaluateGlobalArgs`). */
  globals: Map<string, string | undefined>;
  /** The base image's (or parent stage's) config Env: visible to substitution. */
  baseEnv: string[];
}

/** Global ARG values: --build-arg wins over the default; defaults see earlier global ARGs. */
export function evaluateGlobalArgs(
  df: Dockerfile,
  buildArgs: Record<string, string>,
): Result<Map<string, string | undefined>> {
  const globals = new Map<string, string | undefined>();
  const lookup = (n: string) => globals.get(n) ?? AUTOMATIC_PLATFORM_ARGS[n];
  for (const ins of df.globalArgs) {
    for (const a of ins.args) {
      let def: string | undefined;
      if (a.default !== undefined) {
        const r = substitute(a.default, lookup, { escapeChar: df.escapeChar });
        if ('error' in r) return { ok: false, errors: [{ file: df.file, line: ins.line, message: r.error }] };
        def = r.value;
      }
      globals.set(a.name, Object.hasOwn(buildArgs, a.name) ? buildArgs[a.name] : def);
    }
  }
  return ok(globals);
}

/** A stage's FROM image and platform after substitution with the global ARGs. */
export function evaluateFrom(df: Dockerfile, stage: Stage, globals: Map<string, string | undefined>) {
  const lookup = (n: string) => globals.get(n) ?? AUTOMATIC_PLATFORM_ARGS[n];
  const at = (message: string): Result<never> => ({
    ok: false,
    errors: [{ file: df.file, line: stage.from.line, message }],
  });
  const image = substitute(stage.from.image, lookup, { escapeChar: df.escapeChar });
  if ('error' in image) return at(image.error);
  if (image.value.trim() === '') return at(`base name (${stage.from.image}) should not be blank`);
  let platform: string | undefined;
  if (stage.from.platform !== undefined) {
    const p = substitute(stage.from.platform, lookup, { escapeChar: df.escapeChar });
    if ('error' in p) return at(p.error);
    if (!/^linux\/amd64(\/v[1-4])?$/.test(p.value)) {
      return at(`--platform=${p.value} is not supported: Slipway builds linux/amd64 only`);
    }
    platform = 'linux/amd64';
  }
  return ok({ image: image.value, platform });
}

/**
 * Substitutes variables in a stage's instructions exactly where Docker's builder does (ADD COPY
 * ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME WORKDIR, ARG defaults, RUN --mount/--network;
 * never RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK/ONBUILD text) and parses RUN mounts. Pure.
 * `instructions` defaults to the stage's own; pass `[...triggers, ...stage.instructions]` to run
 * a base image's ONBUILD triggers first.
 */
export function evaluateStage(
  df: Dockerfile,
  stage: Stage,
  opts: EvalOptions,
  instructions: Instruction[] = stage.instructions,
): Result<EvaluatedStep[]> {
  const scope = new VariableScope(opts.baseEnv);
  const proxyArgs: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.buildArgs)) if (PREDEFINED_PROXY_ARGS.has(k)) proxyArgs[k] = v;
  const steps: EvaluatedStep[] = [];
  const errors: DockerfileProblem[] = [];
  // ARG assignments as a chain, newest first; each step keeps the chain as it was and turns it
  // into its args only when asked (RUN asks). A copy of the args per step would make a stage of
  // N ARGs cost O(N²) time and memory.
  let chain: ArgChain | undefined;
  for (const ins of instructions) {
    try {
      const evaluated = evaluateOne(ins, scope, df.escapeChar, opts);
      if (evaluated.kind === 'ARG')
        for (const a of evaluated.args) chain = { name: a.name, value: scope.args.get(a.name), prev: chain };
      const at = chain;
      let memo: Record<string, string> | undefined;
      const args = (): Record<string, string> => (memo ??= argsOf(at));
      steps.push({
        instruction: evaluated,
        get args() {
          return args();
        },
        get proxyArgs() {
          const defined = args();
          return Object.fromEntries(Object.entries(proxyArgs).filter(([k]) => !(k in defined)));
        },
      });
    } catch (e) {
      if (!(e instanceof InstructionError)) throw e;
      errors.push({ file: df.file, line: ins.line, message: `${ins.kind}: ${e.message}` });
    }
  }
  return errors.length ? { ok: false, errors } : ok(steps);
}

interface ArgChain {
  name: string;
  value: string | undefined;
  prev: ArgChain | undefined;
}

/** Declared args that have a value, sorted by name (the newest assignment of a name wins). */
function argsOf(chain: ArgChain | undefined): Record<string, string> {
  const seen = new Map<string, string | undefined>();
  for (let c = chain; c; c = c.prev) if (!seen.has(c.name)) seen.set(c.name, c.value);
  const out: Record<string, string> = {};
  for (const k of [...seen.keys()].sort()) {
    const v = seen.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function evaluateOne(
  ins: Instruction,
  scope: VariableScope,
  escapeChar: string,
  opts: EvalOptions,
): EvaluatedInstruction {
  const sub = (w: string, heredoc = false): string => {
    const r = substitute(w, scope.lookup, { escapeChar, heredoc });
    if ('error' in r) throw new InstructionError(r.error);
    return r.value;
  };
  const opt = (w: string | undefined) => (w === undefined ? undefined : sub(w));
  switch (ins.kind) {
    case 'ENV': {
      const pairs = ins.pairs.map((p) => ({ key: sub(p.key), value: sub(p.value) }));
      for (const p of pairs) scope.env.set(p.key, p.value);
      return { ...ins, pairs };
    }
    case 'LABEL':
      return { ...ins, pairs: ins.pairs.map((p) => ({ key: sub(p.key), value: sub(p.value) })) };
    case 'ARG': {
      const args = ins.args.map((a) => {
        const def = opt(a.default);
        scope.args.set(a.name, resolveArg(a.name, def, opts.buildArgs, opts.globals));
        return { name: a.name, default: def };
      });
      return { ...ins, args };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      return { ...ins, value: sub(ins.value) };
    case 'EXPOSE':
      // As Docker's ProcessWords: an expanded word holding spaces ("3000 4000/udp") is several ports.
      return { ...ins, values: ins.values.flatMap((v) => sub(v).split(/\s+/).filter(Boolean)) };
    case 'VOLUME':
      return { ...ins, values: ins.values.map((v) => sub(v)) };
    case 'COPY':
    case 'ADD': {
      const sources: CopySource[] = ins.sources.map((s) =>
        s.kind === 'path'
          ? { kind: 'path', path: sub(s.path) }
          : {
              kind: 'heredoc',
              body: s.body.expand ? { ...s.body, content: sub(s.body.content, true) } : s.body,
            },
      );
      return {
        ...ins,
        sources,
        dest: sub(ins.dest),
        from: opt(ins.from),
        chown: opt(ins.chown),
        chmod: opt(ins.chmod),
      };
    }
    case 'RUN': {
      const mounts: Mount[] = ins.mounts.map((raw) => {
        const r = parseMount(
          splitMountFields(raw)
            .map((f) => sub(f))
            .join(','),
        );
        if ('error' in r) throw new InstructionError(r.error);
        return r.mount;
      });
      const network = opt(ins.network) ?? 'default';
      if (network !== 'none' && network !== 'default') {
        throw new InstructionError(`--network=${network} is not supported (none or default)`);
      }
      return { ...ins, mounts, network };
    }
    default:
      return ins;
  }
}
