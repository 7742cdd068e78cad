import { isCollection, isPair, LineCounter, parseDocument, visit } from 'yaml';
import { type Pipeline, PipelineSchema } from '../schema/pipeline.js';
import { MAX_NESTING, tooDeepAt } from './depth.js';
import { type PipelineError, sortErrors } from './errors.js';
import { checkNeeds } from './graph-checks.js';
import { issuesToErrors } from './issues.js';
import { checkJobs } from './job-checks.js';
import { SourceMap } from './source.js';
import { checkVariables } from './variable-checks.js';

export type ParseResult =
  | { ok: true; pipeline: Pipeline; name: string; source: SourceMap }
  | { ok: false; errors: PipelineError[] };

/** Largest pipeline file accepted, in characters. */
export const MAX_PIPELINE_CHARS = 512 * 1024;

/**
 * Parses one pipeline file. `file` is the name used in messages and, for `.slipway/<name>.yml`,
 * the pipeline's default name. Never throws: returns the Pipeline with its SourceMap (for
 * plan-time positions), or every error found, sorted by position. Pure.
 */
export function parsePipeline(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  const fail = (message: string, offset = 0, counted = lines): ParseResult => {
    const source = new SourceMap(file, undefined, counted);
    const at = source.at(offset);
    return { ok: false, errors: [{ file, line: Math.max(1, at.line), col: Math.max(1, at.col), message }] };
  };
  if (text.length > MAX_PIPELINE_CHARS) return fail(`file is larger than ${MAX_PIPELINE_CHARS} characters`);
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    const counted = new LineCounter();
    counted.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1 && i < deep; i = text.indexOf('\n', i + 1))
      counted.addNewLine(i + 1);
    return fail(`nested too deeply: more than ${MAX_NESTING} levels of mappings and lists`, deep, counted);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const source = new SourceMap(file, doc, lines);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: sortErrors(
        doc.errors.map((e) => ({
          file,
          ...source.at(e.pos[0]),
          message: yamlMessage(e.code, e.message, /^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0] ?? ''),
        })),
      ),
    };
  }
  const complexKeys: PipelineError[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isCollection(pair.key)) {
        const at = source.at(pair.key.range?.[0] ?? 0);
        complexKeys.push({ file, ...at, message: 'a key must be a plain name, not a list or mapping' });
      }
    },
  });
  if (complexKeys.length > 0) return { ok: false, errors: sortErrors(complexKeys) };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return fail(`YAML could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (raw === null || raw === undefined) return fail('the pipeline file is empty: it needs at least "jobs"');
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return fail('expected a mapping at the top level (name:, image:, jobs: ...)');
  }
  const parsed = PipelineSchema.safeParse(raw);
  const errors = [
    ...(parsed.success ? [] : issuesToErrors(parsed.error.issues, raw, source)),
    ...checkNeeds(raw, source),
    ...checkJobs(raw, source),
    ...checkVariables(raw, source),
  ];
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, pipeline: parsed.data, name: parsed.data.name ?? defaultName(file), source };
}

/** `.slipway/release.yml` → `release`; `.slipway.yml` → `default`. */
export function defaultName(file: string): string {
  const base = file.split('/').pop() ?? file;
  if (base === '.slipway.yml' || base === '.slipway.yaml') return 'default';
  return base.replace(/\.ya?ml$/, '');
}

function yamlMessage(code: string, message: string, excerpt: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY')
    return `duplicate key "${excerpt.trim()}": it is already defined in this mapping`;
  return `YAML syntax error: ${first}`;
}
