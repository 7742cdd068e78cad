import type { JobError, JobResult, StepResult } from '../../pipelines/index.js';
import type { ExecutorEvents } from './events.js';

/** What a secret value is replaced with in logs and results. */
export const MASK = '***';

/**
 * Secrets (and lines of multi-line secrets) shorter than this are not masked: a value like `1`
 * or `yes` would shred every log line it happens to occur in, and hides nothing worth hiding.
 */
export const MIN_MASKED_LENGTH = 4;

/**
 * Replaces every occurrence of a job's secret values in text with `***`. A multi-line value is
 * masked whole and each of its lines on its own (output reaches the logs line by line). Values
 * shorter than MIN_MASKED_LENGTH are left alone (`skipped` counts them, to warn about).
 */
export class SecretMasker {
  /** The texts to hide, longest first, so a value containing another is masked whole. */
  private readonly needles: string[];
  /** How many granted secrets are too short to mask. */
  readonly skipped: number;

  constructor(values: Iterable<string>) {
    const needles = new Set<string>();
    let skipped = 0;
    for (const value of values) {
      if (value.trim().length < MIN_MASKED_LENGTH) {
        if (value.length > 0) skipped++;
        continue;
      }
      needles.add(value);
      for (const line of value.split('\n')) {
        const l = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (l.trim().length >= MIN_MASKED_LENGTH) needles.add(l);
      }
    }
    this.needles = [...needles].sort((a, b) => b.length - a.length);
    this.skipped = skipped;
  }

  /** Whether there is anything to mask. */
  get active(): boolean {
    return this.needles.length > 0;
  }

  /** Length of the longest text masked (0 when none). */
  get longest(): number {
    return this.needles[0]?.length ?? 0;
  }

  mask(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(MASK);
    return out;
  }

  /**
   * The largest cut position ≤ `at` that splits no occurrence of a secret in `text`: the text
   * before it can be masked and shown on its own, the rest joined to what comes next.
   */
  safeCut(text: string, at: number): number {
    let cut = Math.max(0, Math.min(at, text.length));
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const n of this.needles) {
        let i = text.indexOf(n, Math.max(0, cut - n.length + 1));
        while (i !== -1 && i < cut) {
          if (i + n.length > cut) {
            cut = i;
            moved = true;
            break;
          }
          i = text.indexOf(n, i + 1);
        }
      }
    }
    return cut;
  }

  /** A JobError with its message and context values masked. */
  error(e: JobError): JobError {
    const context: Record<string, string> = {};
    for (const [k, v] of Object.entries(e.context)) context[k] = this.mask(v);
    return { ...e, message: this.mask(e.message), context };
  }

  step(r: StepResult): StepResult {
    return r.message === undefined ? r : { ...r, message: this.mask(r.message) };
  }

  result(r: JobResult): JobResult {
    return {
      ...r,
      steps: r.steps.map((s) => this.step(s)),
      ...(r.error ? { error: this.error(r.error) } : {}),
    };
  }
}

/**
 * ExecutorEvents that mask every log line, step result and job result with `masker` before
 * handing them to `events`: nothing reported by a job carries a secret value in clear.
 */
export function maskedEvents(events: ExecutorEvents, masker: SecretMasker): ExecutorEvents {
  if (!masker.active) return events;
  return {
    jobStarted: (spec, attempt) => events.jobStarted?.(spec, attempt),
    stepStarted: (step, attempt) => events.stepStarted?.(step, attempt),
    log: (source, line) => events.log(source, { ...line, text: masker.mask(line.text) }),
    ready: () => events.ready?.(),
    stepFinished: (step, r) => events.stepFinished?.(step, masker.step(r)),
    jobFinished: (r) => events.jobFinished?.(masker.result(r)),
  };
}
