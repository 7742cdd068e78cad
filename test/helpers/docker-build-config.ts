import { isDeepStrictEqual } from 'node:util';

/**
 * The part of an image config the conformance test compares: the Docker config fields a
 * Dockerfile sets, plus `Author` (MAINTAINER). Normalised so that what a user cannot tell apart
 * compares equal: null, missing, "", [] and {} are all "unset"; object keys are sorted.
 */
export const CONFIG_FIELDS = [
  'Env',
  'Cmd',
  'Entrypoint',
  'WorkingDir',
  'User',
  'ExposedPorts',
  'Labels',
  'Volumes',
  'StopSignal',
  'Healthcheck',
  'Shell',
  'OnBuild',
] as const;

export type NormalisedConfig = Record<string, unknown>;

const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/** Picks and normalises the compared fields from an image config blob (OCI or Docker). */
export function normaliseConfig(image: {
  config?: Record<string, unknown> | null;
  author?: string;
}): NormalisedConfig {
  const out: NormalisedConfig = {};
  for (const field of CONFIG_FIELDS) {
    const v = image.config?.[field];
    if (!isEmpty(v)) out[field] = sortKeys(v);
  }
  if (!isEmpty(image.author)) out.Author = image.author;
  return out;
}

/** Deep-merges `patch` into `config` (objects merge, anything else replaces). */
export function patchConfig(config: NormalisedConfig, patch: Record<string, unknown>): NormalisedConfig {
  const merge = (a: unknown, b: unknown): unknown =>
    a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)
      ? Object.fromEntries(
          [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
            k,
            k in (b as object)
              ? merge((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
              : (a as Record<string, unknown>)[k],
          ]),
        )
      : b;
  return sortKeys(merge(config, patch)) as NormalisedConfig;
}

/** One line per differing field, `Field: A=<json> B=<json>`; empty when equal. */
export function diffConfigs(a: NormalisedConfig, b: NormalisedConfig, names = ['A', 'B']): string[] {
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
    if (!isDeepStrictEqual(a[key], b[key]))
      out.push(
        `${key}: ${names[0]}=${JSON.stringify(a[key]) ?? 'unset'} ${names[1]}=${JSON.stringify(b[key]) ?? 'unset'}`,
      );
  return out;
}
