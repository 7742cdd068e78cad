import { SlipwayError } from '../../lib/errors.js';

/**
 * An image reference normalised the way Docker does it: `alpine` →
 * `docker.io/library/alpine:latest`. `tag` is set unless the reference was given by digest
 * only; both may be set (`app:1@sha256:…`), in which case the digest is what gets pulled.
 */
export interface ImageReference {
  /** Registry host with optional port, e.g. `docker.io`, `127.0.0.1:5000`, `localhost`. */
  registry: string;
  /** Repository path, e.g. `library/alpine`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_REGISTRY = 'docker.io';
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

function malformed(input: string, why: string): SlipwayError {
  return new SlipwayError(`invalid image reference "${input}": ${why}`, {
    category: 'permanent',
    context: { image: input },
  });
}

/** Parses and normalises `input`; throws a permanent SlipwayError naming what is wrong. */
export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw malformed(input, 'it is empty');
  if (/\s/.test(input)) throw malformed(input, 'it contains whitespace');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw malformed(input, `"${digest}" is not a digest (sha256:<64 hex>)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw malformed(input, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  const first = parts[0] ?? '';
  const looksLikeHost =
    first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first);
  if (parts.length > 1 && looksLikeHost) {
    registry = first;
    parts.shift();
    if (!DOMAIN.test(registry)) throw malformed(input, `"${registry}" is not a valid registry host`);
  }
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (part === '') throw malformed(input, 'the repository path has an empty component');
    if (/[A-Z]/.test(part)) throw malformed(input, 'repository name must be lowercase');
    if (!PATH_COMPONENT.test(part)) throw malformed(input, `"${part}" is not a valid repository component`);
  }
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > 255)
    throw malformed(input, 'the name is over 255 characters');
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository[:tag][@digest]` — the canonical string used as a store ref. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Normalises a reference string (`alpine` → `docker.io/library/alpine:latest`). */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** What to ask the registry for: the digest when present, else the tag. */
export function manifestSelector(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The host to talk to for `registry` (Docker Hub's API lives on another name). */
export function registryApiHost(registry: string): string {
  return registry === DEFAULT_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/** A copy of `ref` pointing at a different tag/digest. */
export function withTarget(ref: ImageReference, target: { tag?: string; digest?: string }): ImageReference {
  return { registry: ref.registry, repository: ref.repository, ...target };
}

/**
 * A registry repository named as `HOST[:PORT]/PATH` (no tag, no digest), for what Slipway keeps
 * in a registry beside images (log archives, shared caches). `what` names the setting in the
 * error (e.g. `--log-archive`).
 */
export function parseRepository(input: string, what: string): ImageReference {
  const path = input.slice(input.indexOf('/') + 1);
  if (!input.includes('/') || /[:@]/.test(path))
    throw new SlipwayError(
      `${what} takes a registry repository, HOST[:PORT]/PATH with no tag (e.g. registry.example.com/slipway/logs), got ${JSON.stringify(input)}`,
    );
  try {
    return parseReference(input);
  } catch (err) {
    throw new SlipwayError(`${what}: ${(err as Error).message}`);
  }
}
