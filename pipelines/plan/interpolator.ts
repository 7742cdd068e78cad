import type { PipelineError } from '../parse/errors.js';
import type { Path, SourceMap } from '../parse/source.js';
import { didYouMean } from '../parse/suggest.js';
import { imageRefProblem } from '../schema/image-ref.js';
import { interpolate } from '../schema/variables.js';

/**
 * Interpolates `${VAR}` for one job instance and collects positioned errors instead of
 * throwing: an unknown variable, or an image reference that is invalid once interpolated
 * (e.g. a branch name with "/" used as a tag). One instance per expanded job.
 */
export class Interpolator {
  readonly errors: PipelineError[] = [];

  constructor(
    private readonly vars: Readonly<Record<string, string>>,
    private readonly source: SourceMap,
    private readonly jobName: string,
  ) {}

  text(value: string, path: Path): string {
    const r = interpolate(value, this.vars);
    for (const name of r.unknown) {
      this.error(
        path,
        `unknown variable "\${${name}}" in job "${this.jobName}"${didYouMean(name, Object.keys(this.vars))}`,
      );
    }
    return r.value;
  }

  image(value: string, path: Path): string {
    const before = this.errors.length;
    const out = this.text(value, path);
    if (this.errors.length > before || (out === value && !value.includes('$'))) return out;
    const problem = imageRefProblem(out);
    if (problem) this.error(path, `${problem} (after interpolating "${value}" in job "${this.jobName}")`);
    return out;
  }

  env(values: Readonly<Record<string, string>> | undefined, path: Path): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values ?? {})) out[k] = this.text(v, [...path, k]);
    return out;
  }

  private error(path: Path, message: string) {
    this.errors.push({ file: this.source.file, ...this.source.locate(path), message });
  }
}
