import type { HeredocBody } from './lines.js';

/**
 * The typed Dockerfile model. `parseDockerfile` produces instructions whose strings are still
 * unsubstituted (as written, quotes kept where Docker keeps them); `evaluateStage` produces the
 * same shapes with variables substituted and RUN mounts parsed (`EvaluatedInstruction`).
 */
export type Command = { form: 'exec'; argv: string[] } | { form: 'shell'; text: string };

interface Base {
  /** 1-based first and last physical line (heredoc bodies included). */
  line: number;
  endLine: number;
  /** The instruction as written on its logical line (keyword upper-cased, heredoc bodies excluded). */
  original: string;
}

export interface FromInstruction extends Base {
  kind: 'FROM';
  image: string;
  stageName: string | undefined;
  platform: string | undefined;
}

export interface RunInstruction extends Base {
  kind: 'RUN';
  command: Command;
  /** Raw `--mount=` values, parsed after substitution (`evaluateStage`). */
  mounts: string[];
  network: string | undefined;
  heredocs: HeredocBody[];
}

export type CopySource = { kind: 'path'; path: string } | { kind: 'heredoc'; body: HeredocBody };

export interface CopyInstruction extends Base {
  kind: 'COPY' | 'ADD';
  sources: CopySource[];
  dest: string;
  from: string | undefined;
  chown: string | undefined;
  chmod: string | undefined;
  link: boolean;
  checksum: string | undefined;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface EnvInstruction extends Base {
  kind: 'ENV' | 'LABEL';
  pairs: KeyValue[];
}

export interface ArgInstruction extends Base {
  kind: 'ARG';
  args: { name: string; default: string | undefined }[];
}

export interface StringInstruction extends Base {
  kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER';
  value: string;
}

export interface ListInstruction extends Base {
  kind: 'EXPOSE' | 'VOLUME';
  values: string[];
}

export interface CommandInstruction extends Base {
  kind: 'CMD' | 'ENTRYPOINT';
  command: Command;
}

export interface ShellInstruction extends Base {
  kind: 'SHELL';
  argv: string[];
}

/** Durations are nanoseconds, as in the image config; undefined means "not set". */
export interface HealthcheckInstruction extends Base {
  kind: 'HEALTHCHECK';
  test: Command | 'NONE';
  interval: number | undefined;
  timeout: number | undefined;
  startPeriod: number | undefined;
  startInterval: number | undefined;
  retries: number | undefined;
}

export interface OnbuildInstruction extends Base {
  kind: 'ONBUILD';
  /** What goes to the image config's OnBuild list: the trigger text as written. */
  expression: string;
  trigger: Instruction;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CopyInstruction
  | EnvInstruction
  | ArgInstruction
  | StringInstruction
  | ListInstruction
  | CommandInstruction
  | ShellInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

export type Mount =
  | {
      type: 'cache';
      target: string;
      id: string;
      sharing: 'shared' | 'private' | 'locked';
      readonly: boolean;
      from: string | undefined;
      source: string | undefined;
      mode: number;
      uid: number;
      gid: number;
    }
  | {
      type: 'secret';
      id: string;
      target: string;
      required: boolean;
      mode: number;
      uid: number;
      gid: number;
    }
  | { type: 'bind'; target: string; source: string; from: string | undefined; readwrite: boolean }
  | { type: 'tmpfs'; target: string; size: number | undefined };

export interface EvaluatedRun extends Omit<RunInstruction, 'mounts' | 'network'> {
  mounts: Mount[];
  network: 'default' | 'none';
}

export type EvaluatedInstruction = Exclude<Instruction, RunInstruction> | EvaluatedRun;

/** One build stage: its FROM and the instructions after it, up to the next FROM. */
export interface Stage {
  index: number;
  /** Lower-cased `AS` name, if any. */
  name: string | undefined;
  from: FromInstruction;
  instructions: Instruction[];
}

export interface Dockerfile {
  file: string;
  escapeChar: string;
  /** ARGs before the first FROM: only FROM lines (and stage ARGs re-declaring them) see them. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
}
