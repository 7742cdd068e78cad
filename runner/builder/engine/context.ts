import type { ImageStore, RegistryClient } from '../../oci/index.js';
import type { JobHandle, Runtime } from '../../runtime/index.js';
import type { StepCache } from '../cache/step-cache.js';
import type { StageConfigState } from '../config/apply.js';
import type { ImageConfig } from '../config/types.js';
import type { FileDigestCache } from '../context/digest-cache.js';
import type { IgnoreMatcher } from '../context/ignore.js';
import type { Dockerfile } from '../dockerfile/model.js';
import type { StageGraph } from '../dockerfile/stages.js';
import type { BuildEvent, BuildOptions, BuildStepSummary } from '../types.js';
import type { BuildWorkspace, LayerRef } from './workspace.js';

/** What a built stage hands to later stages and to the commit. */
export interface StageOutput {
  state: StageConfigState;
  /** Every layer of the stage's image, bottom first (base layers included). */
  layers: LayerRef[];
  /** The cache key after its last instruction (identifies its content for dependants). */
  key: string;
}

/** An image from the store (pulled when missing), as a base or a `--from` source. */
export interface StoredImage {
  ref: string;
  manifestDigest: string;
  configDigest: string;
  config: ImageConfig;
  layers: LayerRef[];
}

/** Shared state of one build, passed to every stage and instruction executor. */
export interface BuildContext {
  opts: BuildOptions;
  df: Dockerfile;
  globals: Map<string, string | undefined>;
  buildArgs: Record<string, string>;
  graph: StageGraph;
  ws: BuildWorkspace;
  store: ImageStore;
  /** The registry client, created on first use. */
  registry(): Promise<RegistryClient>;
  cache: StepCache;
  ignore: IgnoreMatcher;
  contextDir: string;
  /** Digests of context files unchanged since an earlier build of this context on this host. */
  contextDigests: FileDigestCache;
  /** The output of an earlier stage (built once, awaited by every dependant). */
  stageOutput(index: number): Promise<StageOutput>;
  image(ref: string): Promise<StoredImage>;
  /** The runtime job RUN containers belong to (prepared on first use). */
  runJob(): Promise<{ runtime: Runtime; job: JobHandle }>;
  emit(event: BuildEvent): void;
  steps: BuildStepSummary[];
  /** History/config timestamp: SOURCE_DATE_EPOCH when set, else now. */
  created(): string;
  /** First step number (1-based) of each built stage. */
  stepBase: Map<number, number>;
  totalSteps: number;
}
