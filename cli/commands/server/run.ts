import { redisUrl } from '../../../lib/redis.js';
import { defaultDataDir } from '../../../runner/data-dir.js';
import { startServer } from '../../../server/main.js';
import { untilSignal } from '../../local/cancel.js';

export interface ServerCommandOptions {
  listen: string;
  redis?: string;
  dataDir?: string;
  publicUrl?: string;
  /** Milliseconds (default STALLED_CHECK_MS). */
  stalledCheck?: number;
  logArchive?: string;
  artifactRegistry?: string;
  /** Bytes (parseSizeOption). */
  cacheMax?: number;
}

/** `slipway server`: serves until SIGINT/SIGTERM, then closes cleanly. Returns the exit code. */
export async function serverCommand(opts: ServerCommandOptions): Promise<number> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      listen: opts.listen,
      redisUrl: redisUrl(opts.redis),
      dataDir: opts.dataDir ?? defaultDataDir(),
      ...(opts.publicUrl || process.env.SLIPWAY_PUBLIC_URL
        ? { publicUrl: opts.publicUrl ?? process.env.SLIPWAY_PUBLIC_URL }
        : {}),
      ...(opts.logArchive || process.env.SLIPWAY_LOG_ARCHIVE
        ? { logArchive: opts.logArchive ?? process.env.SLIPWAY_LOG_ARCHIVE }
        : {}),
      ...(opts.artifactRegistry || process.env.SLIPWAY_ARTIFACT_REGISTRY
        ? { artifactRegistry: opts.artifactRegistry ?? process.env.SLIPWAY_ARTIFACT_REGISTRY }
        : {}),
      ...(opts.stalledCheck !== undefined ? { stalledCheckMs: opts.stalledCheck } : {}),
      ...(opts.cacheMax !== undefined ? { cacheMaxBytes: opts.cacheMax } : {}),
      onWarning: (problem) => console.error(`WARNING: ${problem}`),
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
  console.log(`slipway server listening on ${server.url}`);
  const sig = await untilSignal();
  console.log(`${sig}: stopping`);
  await server.close();
  return 0;
}
