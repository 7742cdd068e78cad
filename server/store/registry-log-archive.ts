import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CacheTrimmer } from '../../lib/cache-trim.js';
import type { LogStreamEntry } from '../../pipelines/index.js';
import {
  artifactLayer,
  type Descriptor,
  type Digest,
  type ImageReference,
  putArtifact,
  type RegistryClient,
} from '../../runner/oci/index.js';
import { decodeArchive, encodeArchive } from './archive-format.js';
import type { LogArchive } from './log-archive.js';
import { linesAfter } from './log-lines.js';

/** The artifact type of an archived job log, and its one layer's media type. */
export const JOB_LOG_ARTIFACT = 'application/vnd.slipway.job-log.v1';
const LOG_LAYER = 'application/vnd.slipway.job-log.v1+records';
/** Job ids resolved to their log's digest, kept (a job's archive changes only by a re-put of the same log). */
const KNOWN_MAX = 10_000;

export interface RegistryLogArchiveOptions {
  client: RegistryClient;
  /** The registry repository holding the logs, e.g. `registry.example.com/slipway/logs`; one tag per job. */
  repository: ImageReference;
  /** Local copies of the logs, by digest: written on put, fetched once on a first read. */
  cacheDir: string;
  /** Keeps `cacheDir` under a size (lib/cache-trim.ts); absent: nothing is removed from it. */
  trimmer?: CacheTrimmer;
}

/**
 * A LogArchive in an OCI registry, so that every server reads what any server archived: each
 * job's log is one artifact (an image manifest of artifactType JOB_LOG_ARTIFACT, an empty
 * config, one layer of archive records: archive-format.ts), tagged with the job id in
 * `repository`. A put streams the records into a local file while hashing them, uploads it and
 * then tags the manifest: readers see the earlier artifact or the new one, never half. Reads
 * go through the local copy (content-addressed, verified against its digest when fetched), so
 * windows of a large log cost one registry round trip for the tag, none for the bytes.
 * The cache dir is kept under a size by `trimmer` (least recently used first); a log removed
 * from it is fetched again on its next read.
 */
export function registryLogArchive(opts: RegistryLogArchiveOptions): LogArchive {
  const { client, repository: ref, cacheDir } = opts;
  const known = new Map<string, Digest>();
  const localFile = (digest: Digest) => join(cacheDir, `${digest.replace(':', '-')}.log`);
  const tempFile = () => join(cacheDir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

  /** The digest of the job's log layer, or undefined when the registry has no log for it. */
  const layerOf = async (jobId: string): Promise<Digest | undefined> => {
    const cached = known.get(jobId);
    if (cached) return cached;
    const layer = await artifactLayer(client, ref, tagFor(jobId), JOB_LOG_ARTIFACT);
    if (!layer) return undefined;
    remember(jobId, layer.digest);
    return layer.digest;
  };
  const remember = (jobId: string, digest: Digest) => {
    if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value as string);
    known.set(jobId, digest);
  };
  /** The local copy of blob `digest`, fetched (and verified) when missing. */
  const local = async (digest: Digest): Promise<string> => {
    const file = localFile(digest);
    if (await stat(file).catch(() => undefined)) {
      await opts.trimmer?.used(file);
      return file;
    }
    await mkdir(cacheDir, { recursive: true });
    const tmp = tempFile();
    try {
      await client.fetchBlob(ref, { mediaType: LOG_LAYER, digest, size: 0 }, async (body) => {
        const got = await writeHashed(Readable.from(body), tmp);
        if (got.digest !== digest) throw new Error(`job log blob ${digest} read back as ${got.digest}`);
      });
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    opts.trimmer?.added();
    return file;
  };
  const entries = async (jobId: string) => {
    const digest = await layerOf(jobId);
    if (!digest) return undefined;
    const file = await local(digest);
    return (async function* () {
      const input = createReadStream(file, { highWaterMark: 256 * 1024 });
      try {
        yield* decodeArchive(input as AsyncIterable<Buffer>);
      } finally {
        input.destroy();
      }
    })();
  };
  return {
    async put(jobId, stream: AsyncIterable<LogStreamEntry>) {
      const tag = tagFor(jobId);
      await mkdir(cacheDir, { recursive: true });
      const tmp = tempFile();
      try {
        const { digest, size } = await writeHashed(Readable.from(encodeArchive(stream)), tmp);
        await rename(tmp, localFile(digest));
        opts.trimmer?.added();
        const layer: Descriptor = { mediaType: LOG_LAYER, digest, size };
        const file = localFile(digest);
        await client.pushBlob(ref, layer, () => createReadStream(file));
        await putArtifact(
          client,
          ref,
          tag,
          JOB_LOG_ARTIFACT,
          {
            ...layer,
            annotations: { 'org.opencontainers.image.title': `${tag}.log` },
          },
          { 'dev.slipway.job': jobId },
        );
        remember(jobId, digest);
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async get(jobId, o = {}) {
      const stored = await entries(jobId);
      return stored ? linesAfter(stored, o.after ?? 0, jobId) : undefined;
    },
    entries,
    async has(jobId) {
      return (await layerOf(jobId)) !== undefined;
    },
  };
}

/** A job id as a tag (tags are `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`); anything else is refused. */
function tagFor(jobId: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/.test(jobId))
    throw new Error(`not a job id: ${JSON.stringify(jobId)}`);
  return jobId;
}

/** Writes `input` to `file`, hashing it on the way; its digest and size. */
async function writeHashed(input: Readable, file: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    input,
    async function* (chunks: AsyncIterable<Uint8Array>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(file),
  );
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
