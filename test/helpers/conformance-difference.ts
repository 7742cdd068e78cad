import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CONFIG_FIELDS, type NormalisedConfig } from './docker-build-config.js';

/**
 * A documented deliberate difference, declared by a conformance fixture in its
 * `deliberate-difference.json`: which Docker builder shows it (`legacy` = DOCKER_BUILDKIT=0),
 * the one config field the comparison leaves out for that fixture, and each side's value of it
 * (both asserted, so the declaration goes stale loudly if either side changes), and `why`.
 * Every such fixture is named in runner/builder/README.md "Deliberate differences from Docker"
 * (the conformance test checks it).
 */
const DifferenceSchema = z
  .object({
    dockerBuilder: z.enum(['buildkit', 'legacy']).default('buildkit'),
    configField: z.enum(CONFIG_FIELDS),
    docker: z.unknown(),
    slipway: z.unknown(),
    why: z.string().min(10),
  })
  .strict();

export type DeliberateDifference = z.infer<typeof DifferenceSchema>;

export const DIFFERENCE_FILE = 'deliberate-difference.json';

/** The fixture's declaration, or undefined when it has none; a malformed one throws naming the file. */
export function readDeliberateDifference(fixtureDir: string): DeliberateDifference | undefined {
  const file = join(fixtureDir, DIFFERENCE_FILE);
  if (!existsSync(file)) return undefined;
  const parsed = DifferenceSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** `config` without the declared field (what the comparison of both sides uses). */
export function withoutField(config: NormalisedConfig, field: string | undefined): NormalisedConfig {
  if (field === undefined) return config;
  const { [field]: _left, ...rest } = config;
  return rest;
}

/** The "Deliberate differences from Docker" section of runner/builder/README.md. */
export function deliberateDifferencesSection(): string {
  const readme = readFileSync(
    join(import.meta.dirname, '..', '..', 'runner', 'builder', 'README.md'),
    'utf8',
  );
  const start = readme.indexOf('## Deliberate differences from Docker');
  if (start < 0)
    throw new Error('runner/builder/README.md has no "Deliberate differences from Docker" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}
