import type { EvaluatedInstruction } from '../dockerfile/model.js';
import { DEFAULT_SHELL } from './types.js';

/** Go's `%q` of a []string, as Docker's builder prints CMD/ENTRYPOINT in history: ["a" "b"]. */
export function goQuoteList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

export interface HistoryContext {
  shell: string[] | undefined;
  /** Declared build args with values at a RUN (Docker prefixes them: `|2 A=1 B=2 `). */
  args: Record<string, string>;
  /** For COPY/ADD: Docker's `file:<sha256>` / `dir:<sha256>` / `multi:<sha256>` description. */
  sourceDescription?: string;
}

/**
 * `created_by` in the format of Docker's classic builder: RUN lines as the shell command
 * (`/bin/sh -c make`), metadata as `/bin/sh -c #(nop)  ENV A=1`.
 */
export function createdBy(ins: EvaluatedInstruction, ctx: HistoryContext): string {
  const shell = (ctx.shell ?? DEFAULT_SHELL).join(' ');
  const nop = (text: string) => `${shell} #(nop)  ${text}`;
  switch (ins.kind) {
    case 'RUN': {
      const entries = Object.entries(ctx.args);
      const prefix = entries.length
        ? `|${entries.length} ${entries.map(([k, v]) => `${k}=${v}`).join(' ')} `
        : '';
      const cmd = ins.command.form === 'exec' ? ins.command.argv.join(' ') : `${shell} ${ins.command.text}`;
      const bodies = ins.heredocs.map((h) => `\n${h.content}${h.name}`).join('');
      return `${prefix}${cmd}${bodies}`;
    }
    case 'COPY':
    case 'ADD': {
      const what =
        ctx.sourceDescription ?? ins.sources.map((s) => (s.kind === 'path' ? s.path : s.body.name)).join(' ');
      return `${shell} #(nop) ${ins.kind} ${what} in ${ins.dest} `;
    }
    case 'WORKDIR':
      return `${shell} #(nop) WORKDIR ${ins.value}`;
    case 'ENV':
    case 'LABEL':
      return nop(`${ins.kind} ${ins.pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
    case 'ARG':
      return nop(
        `ARG ${ins.args.map((a) => (a.default === undefined ? a.name : `${a.name}=${a.default}`)).join(' ')}`,
      );
    case 'CMD':
    case 'ENTRYPOINT':
      return nop(
        `${ins.kind} ${ins.command.form === 'exec' ? goQuoteList(ins.command.argv) : goQuoteList([...(ctx.shell ?? DEFAULT_SHELL), ins.command.text])}`,
      );
    case 'EXPOSE':
    case 'VOLUME':
      return nop(`${ins.kind} ${ins.kind === 'VOLUME' ? `[${ins.values.join(' ')}]` : ins.values.join(' ')}`);
    case 'SHELL':
      return nop(`SHELL [${ins.argv.join(' ')}]`);
    case 'HEALTHCHECK':
      return nop(ins.original);
    case 'ONBUILD':
      return nop(`ONBUILD ${ins.expression}`);
    case 'FROM':
      return nop(`FROM ${ins.image}`);
    default:
      return nop(`${ins.kind} ${ins.value}`);
  }
}
