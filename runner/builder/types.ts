import type { Descriptor, ImageStore, RegistrySource } from '../oci/index.js';
import type { LogLine, Runtime } from '../runtime/index.js';

/**
 * What a build runs on: a runner host's data dir, image store, registry and runtime
 * (`openRunnerHost` in runner/host.ts gives all four). The registry and the runtime are asked
 * for only when the build needs them.
 */
export interface BuildHost {
  dataDir: string;
  store: ImageStore;
  registry: RegistrySource;
  runtime(): Promise<Runtime>;
}

/**
 * The image builder's public API: `buildImage` builds a Dockerfile with no daemon — RUN in a
 * runc container over an overlay of the parent layers, COPY/ADD on the host — and commits an
 * OCI image into the host's image store.
 *
 * Directories it writes: `<dataDir>/images` (blobs, refs, unpacked layers),
 * `<dataDir>/build/<id>` (per-build scratch, removed at the end), `<dataDir>/build-cache`
 * (cache entries), `<dataDir>/build-cache-mounts` (RUN --mount=type=cache dirs, by `cacheScope`) and, through the
 * Runtime, `<dataDir>/runtime`. Nothing else.
 */
export interface BuildOptions {
  /** The build context directory. */
  contextDir: string;
  /** Path of the Dockerfile (default `<contextDir>/Dockerfile`). */
  dockerfile?: string;
  /** The stage to build (default: the last). */
  target?: string;
  buildArgs?: Record<string, string>;
  /** References to point at the built image in the local store (and push with `push`). */
  tags?: string[];
  /** Execute every instruction, ignoring (but refreshing) the cache. */
  noCache?: boolean;
  /** Registry cache references to import (see README: registry cache format). */
  cacheFrom?: string[];
  /** Registry reference to export this build's cache to. */
  cacheTo?: string;
  /** Push every tag after the build. */
  push?: boolean;
  /** Store, registry (pulls, pushes, the registry cache) and runtime (RUN) of the build. */
  host: BuildHost;
  /** Clamp layer mtimes and set config/history times to this (seconds since the epoch). */
  sourceDateEpoch?: number;
  /** `--secret id=…,src=…`: secret id → host file, for RUN --mount=type=secret. */
  secrets?: Record<string, string>;
  /** The network of RUN instructions without --network (default 'bridge'; 'none' = loopback only). */
  network?: 'bridge' | 'none';
  /**
   * Who may share RUN --mount=type=cache dirs: builds of one scope see each other's dirs, no
   * other build does. Default: the context dir's absolute path. A pipeline build passes its
   * repository; `slipway build` `--cache-scope`.
   */
  cacheScope?: string;
  /** Progress events (synchronous, must not throw). */
  onProgress?: (event: BuildEvent) => void;
  signal?: AbortSignal;
}

/** One executed or cached instruction. `instruction` is the Dockerfile text (`RUN make`). */
export interface BuildStepSummary {
  /** 1-based position over every instruction of the built stages (FROM lines included). */
  index: number;
  stage: number;
  instruction: string;
  cached: boolean;
  durationMs: number;
}

/**
 * Progress of a build. `step-start` numbers the instruction twice: `index`/`total` over every
 * instruction of the built stages (docker's `Step n/m`), and `stageStep`/`stageSteps` within its
 * stage, FROM being 1 (BuildKit's `[stageLabel n/m]`). `stageLabel` is the stage's `AS` name, or
 * `stage-<index>` when it has none.
 */
export type BuildEvent =
  | {
      type: 'step-start';
      index: number;
      total: number;
      stage: number;
      stageLabel: string;
      stageStep: number;
      stageSteps: number;
      instruction: string;
    }
  | { type: 'step-cached'; index: number }
  | { type: 'step-running'; index: number; container?: string }
  | { type: 'step-done'; index: number; cached: boolean; durationMs: number }
  | { type: 'log'; index: number; line: LogLine }
  | { type: 'pushed'; ref: string; digest: string }
  | { type: 'cache-exported'; ref: string; entries: number };

export interface BuildResult {
  manifestDigest: string;
  configDigest: string;
  manifest: Descriptor;
  /** The normalised references set in the local store (the tags). */
  refs: string[];
  steps: BuildStepSummary[];
  durationMs: number;
}
