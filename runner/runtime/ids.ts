import { createHash } from 'node:crypto';
import { SlipwayError } from '../../lib/errors.js';

/**
 * Deterministic container ids. Ids carry a short hash of the data dir so two runners on one host
 * never touch each other's containers. (Where runtime state lives: runner/data-dir.ts.)
 */

/** `slipway-<6 hex of the data dir>-` — every container id of this data dir starts with it. */
export function idPrefix(dataDir: string): string {
  return `slipway-${createHash('sha256').update(dataDir).digest('hex').slice(0, 6)}-`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Checks a job id or container name (letters, digits, '_', '.', '-'; at most 63). */
export function checkName(value: string, what: string): string {
  if (!NAME.test(value))
    throw new SlipwayError(
      `invalid ${what} ${JSON.stringify(value)}: use 1-63 letters, digits, "_", "." or "-"`,
    );
  return value;
}

export function containerId(dataDir: string, jobId: string, name: string): string {
  return `${idPrefix(dataDir)}${checkName(jobId, 'job id')}+${checkName(name, 'container name')}`;
}
