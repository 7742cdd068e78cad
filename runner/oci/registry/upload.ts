import { SlipwayError } from '../../../lib/errors.js';
import type { ImageReference } from '../reference.js';
import type { Descriptor } from '../types.js';
import type { BlobSource } from './client.js';
import { responseError } from './errors.js';
import type { HttpResponse } from './http.js';
import type { RegistrySession } from './session.js';

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

/**
 * One attempt at uploading `desc`: POST to start (optionally as a cross-repo mount), then a
 * single PUT for blobs up to `monolithicMaxBytes`, else PATCH chunks of `chunkBytes` and a
 * closing PUT. The registry verifies the digest on the closing PUT.
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
  if (opts.mountFrom) {
    start.searchParams.set('mount', desc.digest);
    start.searchParams.set('from', opts.mountFrom);
  }
  const started = await session.request(
    start,
    { method: 'POST', headers: { 'content-length': '0' } },
    scopes,
  );
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
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) },
        body: source(),
      },
      scopes,
    );
    if (res.status !== 201) throw await responseError(res, what, ref.registry);
    await res.discard();
    return 'uploaded';
  }

  let offset = 0;
  for await (const chunk of chunked(source(), opts.chunkBytes)) {
    const res = await session.request(
      location,
      {
        method: 'PATCH',
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
          'content-length': String(chunk.length),
        },
        body: chunk,
      },
      scopes,
    );
    if (res.status !== 202) throw await responseError(res, `${what} (chunk at ${offset})`, ref.registry);
    await res.discard();
    location = nextLocation(res, location, what, ref.registry);
    offset += chunk.length;
  }
  if (offset !== desc.size)
    throw new SlipwayError(`${what}: the local blob has ${offset} bytes, its descriptor says ${desc.size}`, {
      category: 'internal',
      context: { digest: desc.digest },
    });
  location.searchParams.set('digest', desc.digest);
  const done = await session.request(location, { method: 'PUT', headers: { 'content-length': '0' } }, scopes);
  if (done.status !== 201) throw await responseError(done, what, ref.registry);
  await done.discard();
  return 'uploaded';
}

/** Re-slices a byte stream into chunks of exactly `size` bytes (the last may be shorter). */
export async function* chunked(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (length + buf.length >= size) {
      const take = size - length;
      parts.push(buf.subarray(0, take));
      yield Buffer.concat(parts);
      buf = buf.subarray(take);
      parts = [];
      length = 0;
    }
    if (buf.length > 0) {
      parts.push(Buffer.from(buf));
      length += buf.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts);
}
