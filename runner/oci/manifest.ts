import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';
import { type Descriptor, type Digest, MediaType, type Platform } from './types.js';

/** zod schemas for what registries send: manifests, indexes and image configs (untrusted). */

const digestSchema = z.string().regex(/^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/, 'not a digest');

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
});

export const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: platformSchema.optional(),
});

export const imageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof imageManifestSchema>;

export const imageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof imageIndexSchema>;

export const imageConfigSchema = z
  .object({
    architecture: z.string().optional(),
    os: z.string().optional(),
    config: z.record(z.string(), z.unknown()).nullish(),
    rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digestSchema) }),
  })
  .passthrough();
export type ImageConfig = z.infer<typeof imageConfigSchema>;

export const MANIFEST_MEDIA_TYPES = [MediaType.ociManifest, MediaType.dockerManifest] as const;
export const INDEX_MEDIA_TYPES = [MediaType.ociIndex, MediaType.dockerManifestList] as const;
/** The Accept header for manifest requests: every type Slipway understands. */
export const MANIFEST_ACCEPT = [...MANIFEST_MEDIA_TYPES, ...INDEX_MEDIA_TYPES].join(', ');

/** Throws a permanent error when `bytes` do not hash to `expected` (sha256 or sha512). */
export function verifyDigest(bytes: Uint8Array, expected: Digest, what: string): void {
  const [algo] = expected.split(':');
  const actual = `${algo}:${createHash(algo === 'sha512' ? 'sha512' : 'sha256')
    .update(bytes)
    .digest('hex')}`;
  if (actual !== expected)
    throw new SlipwayError(`${what}: digest mismatch: expected ${expected}, got ${actual}`, {
      category: 'permanent',
      context: { digest: expected },
    });
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

/**
 * Parses manifest bytes. The media type comes from the body when present, else from the
 * Content-Type the registry sent. Throws a permanent error naming `what` on anything else.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | undefined,
  what: string,
): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new SlipwayError(`${what}: manifest is not JSON`, { category: 'permanent', cause: err });
  }
  const declared = (json as { mediaType?: unknown })?.mediaType;
  const mediaType =
    typeof declared === 'string' ? declared : (contentType?.split(';')[0]?.trim() ?? MediaType.ociManifest);
  const isIndex =
    (INDEX_MEDIA_TYPES as readonly string[]).includes(mediaType) ||
    (typeof declared !== 'string' && Array.isArray((json as { manifests?: unknown })?.manifests));
  const result = (isIndex ? imageIndexSchema : imageManifestSchema).safeParse(json);
  if (!result.success)
    throw new SlipwayError(
      `${what}: invalid ${isIndex ? 'image index' : 'image manifest'}: ${z.prettifyError(result.error)}`,
      {
        category: 'permanent',
      },
    );
  return isIndex
    ? { kind: 'index', mediaType, index: result.data as ImageIndex }
    : { kind: 'manifest', mediaType, manifest: result.data as ImageManifest };
}

/** Parses and validates an image config blob; its diff_ids must match the manifest's layers. */
export function parseImageConfig(bytes: Uint8Array, layerCount: number, what: string): ImageConfig {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new SlipwayError(`${what}: image config is not JSON`, { category: 'permanent', cause: err });
  }
  const result = imageConfigSchema.safeParse(json);
  if (!result.success)
    throw new SlipwayError(`${what}: invalid image config: ${z.prettifyError(result.error)}`, {
      category: 'permanent',
    });
  if (result.data.rootfs.diff_ids.length !== layerCount)
    throw new SlipwayError(
      `${what}: image config lists ${result.data.rootfs.diff_ids.length} layers but the manifest has ${layerCount}`,
      { category: 'permanent' },
    );
  return result.data;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] !== undefined ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * Picks the manifest for `want` from an index, skipping attestation entries. Throws a
 * permanent error listing the platforms the index offers when none matches.
 */
export function selectPlatform(
  index: ImageIndex,
  what: string,
  want: Platform = DEFAULT_PLATFORM,
): Descriptor {
  const candidates = index.manifests.filter((d) => !isAttestation(d));
  const match = candidates.find(
    (d) =>
      d.platform?.os === want.os &&
      d.platform.architecture === want.architecture &&
      (!want.variant || d.platform.variant === want.variant),
  );
  if (match) return match;
  const found = candidates.map((d) => (d.platform ? formatPlatform(d.platform) : 'unspecified'));
  throw new SlipwayError(
    `${what}: no image for ${formatPlatform(want)}; the index has ${found.length ? found.join(', ') : 'no platforms'}`,
    { category: 'permanent', context: { image: what } },
  );
}
