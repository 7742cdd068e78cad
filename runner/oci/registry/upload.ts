import { SlipwayError } from '../../../lib/errors.js';
import type { ImageReference } from '../reference.js';
import type { Descriptor } from '../types.js';
import { responseError } from './errors.js';
import type { HttpResponse } from './http.js';
import type { RegistrySession } from './session.js';

/** Where a blob upload may come from: a fresh stream of its bytes for every attempt. */
export type BlobSource = () => AsyncIterable<Uint8Array>;

const scopesFor = (repo: string, from?: string) => [
  `repository:${repo}:pull,push`,
  ...(from ? [`repository:${from}:pull`] : []),
];

/** The next upload URL from a `Location` header: relative ones resolve against the request, query kept. */
function nextLocation(res: HttpResponse, current: URL, what: string, registry: string): URL {
  const location = res.headers.get('location');
  if (!location) throw new SlipwayError(`${what}: registry ${registry} sent no Location for the upload`);
  return new URL(location, current);
}

/** Blobs up to this size go as a single POST with `?digest=` (the bytes are sent again on a 202). */
export const SINGLE_POST_MAX_BYTES = 64 * 1024;

/**
 * One attempt at uploading `desc`: POST to start (optionally as a cross-repo mount), then a
 * single PUT for blobs up to `monolithicMaxBytes`, else PATCH chunks of `chunkBytes` (each
 * streamed from the source, never buffered whole) and a closing PUT. The registry verifies
 * the digest on the closing PUT. Small blobs (no mount asked) try the distribution spec's
 * single-POST upload first, one request in all; registries without it (docker-registry 2.x)
 * answer 202 and the usual PUT follows; one that refuses it (400, 405, 413, 415…) gets the
 * usual empty POST.
 */
export async function uploadBlobTo(
  session: RegistrySession,
  ref: ImageReference,
  desc: Descriptor,
  source: BlobSource,
  opts: { mountFrom?: string | undefined; monolithicMaxBytes: number; chunkBytes: number },
): Promise<'mounted' | 'uploaded'> {
  const what = `upload of ${desc.digest} to ${ref.registry}/${ref.repository}`;
  const scopes = scopesFor(ref.repository, opts.mountFrom);
  const start = new URL(`${ref.repository}/blobs/uploads/`, (await session.ping()).url);
  // A small blob is read into memory once: the single POST, a 401 retry and the PUT after a
  // 202 all send the same bytes.
  const small =
    !opts.mountFrom && desc.size <= SINGLE_POST_MAX_BYTES ? await readSmall(source, desc, what) : undefined;
  const bodyOf = () => small ?? source();
  if (opts.mountFrom) {
    start.searchParams.set('mount', desc.digest);
    start.searchParams.set('from', opts.mountFrom);
  }
  let started: HttpResponse | undefined;
  if (small) {
    const single = new URL(start);
    single.searchParams.set('digest', desc.digest);
    started = await session.request(
      single,
      { method: 'POST', headers: octetStream(desc.size), body: small },
      scopes,
    );
    if (started.status === 201) {
      await started.discard();
      return 'uploaded';
    }
    if (SINGLE_POST_REFUSED.has(started.status)) {
      // A registry that rejects a body on POST instead of ignoring it: start the usual way.
      await started.discard();
      started = undefined;
    }
  }
  started ??= await session.request(start, { method: 'POST', headers: { 'content-length': '0' } }, scopes);
  if (started.status === 201) {
    await started.discard();
    return 'mounted';
  }
  if (started.status !== 202) throw await responseError(started, what, ref.registry);
  await started.discard();
  let location = nextLocation(started, start, what, ref.registry);

  if (desc.size <= opts.monolithicMaxBytes) {
    location.searchParams.set('digest', desc.digest);
    const res = await session.request(
      location,
      {
        method: 'PUT',
        headers: octetStream(desc.size),
        body: bodyOf(),
      },
      scopes,
    );
    if (res.status !== 201) throw await responseError(res, what, ref.registry);
    await res.discard();
    return 'uploaded';
  }

  const slicer = new ByteSlicer(source());
  try {
    for (let offset = 0; offset < desc.size; offset += opts.chunkBytes) {
      const length = Math.min(opts.chunkBytes, desc.size - offset);
      const res = await session.request(
        location,
        {
          method: 'PATCH',
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + length - 1}`,
            'content-length': String(length),
          },
          body: slicer.take(length),
        },
        scopes,
      );
      if (res.status !== 202) throw await responseError(res, `${what} (chunk at ${offset})`, ref.registry);
      await res.discard();
      location = nextLocation(res, location, what, ref.registry);
    }
    if (!(await slicer.exhausted()))
      throw new SlipwayError(`${what}: the local blob is longer than its descriptor's ${desc.size} bytes`, {
        category: 'internal',
        context: { digest: desc.digest },
      });
  } finally {
    await slicer.close();
  }
  location.searchParams.set('digest', desc.digest);
  const done = await session.request(location, { method: 'PUT', headers: { 'content-length': '0' } }, scopes);
  if (done.status !== 201) throw await responseError(done, what, ref.registry);
  await done.discard();
  return 'uploaded';
}

/** Statuses with which a registry refuses a single-POST upload outright. */
const SINGLE_POST_REFUSED = new Set([400, 405, 411, 413, 415, 501]);

const octetStream = (size: number) => ({
  'content-type': 'application/octet-stream',
  'content-length': String(size),
});

/** A small blob's bytes, checked against its descriptor's size. */
async function readSmall(source: BlobSource, desc: Descriptor, what: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source()) {
    size += chunk.byteLength;
    if (size > desc.size) break;
    parts.push(chunk);
  }
  if (size !== desc.size)
    throw new SlipwayError(
      `${what}: the local blob has ${size}${size > desc.size ? '+' : ''} bytes, its descriptor says ${desc.size}`,
      { category: 'internal', context: { digest: desc.digest } },
    );
  return Buffer.concat(parts, size);
}

/**
 * Cuts one byte stream into consecutive pieces, each read as its own iterable (a request
 * body) without copying: chunks are sub-arrays of the source's. Pieces must be read in order.
 */
class ByteSlicer {
  private readonly it: AsyncIterator<Uint8Array>;
  private leftover: Uint8Array | undefined;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The next `length` bytes (fewer only when the source ends early). */
  async *take(length: number): AsyncGenerator<Uint8Array> {
    let left = length;
    while (left > 0) {
      let piece = this.leftover;
      this.leftover = undefined;
      if (!piece) {
        const next = await this.it.next();
        if (next.done) return;
        piece = next.value;
      }
      if (piece.byteLength > left) {
        this.leftover = piece.subarray(left);
        piece = piece.subarray(0, left);
      }
      left -= piece.byteLength;
      if (piece.byteLength > 0) yield piece;
    }
  }

  /** True when no byte is left after the pieces taken so far. */
  async exhausted(): Promise<boolean> {
    if (this.leftover?.byteLength) return false;
    for (;;) {
      const next = await this.it.next();
      if (next.done) return true;
      if (next.value.byteLength > 0) return false;
    }
  }

  /** Releases the source (closes a file stream); idempotent. */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}
