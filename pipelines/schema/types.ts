import type { z } from 'zod';
import type {
  BuildSchema,
  CacheSchema,
  InlineServiceSchema,
  MatrixSchema,
  ResourcesSchema,
  ServiceSchema,
  StepSchema,
  TriggersSchema,
  WhenSchema,
} from './parts.js';

/** Types of the pipeline file's parts, inferred from their zod schemas. */
export type Step = z.infer<typeof StepSchema>;
export type Service = z.infer<typeof ServiceSchema>;
export type InlineService = z.infer<typeof InlineServiceSchema>;
export type When = z.infer<typeof WhenSchema>;
export type Triggers = z.infer<typeof TriggersSchema>;
export type Build = z.infer<typeof BuildSchema>;
export type Cache = z.infer<typeof CacheSchema>;
export type Matrix = z.infer<typeof MatrixSchema>;
export type Resources = z.infer<typeof ResourcesSchema>;
