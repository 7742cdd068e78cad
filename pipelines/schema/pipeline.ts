import { z } from 'zod';
import { envMap, image, name, strict } from './common.js';
import { JobSchema, ServiceSchema, TriggersSchema } from './parts.js';

/**
 * The pipeline file (`.slipway.yml` or `.slipway/<name>.yml`) as a zod schema. The parser
 * (pipelines/parse) checks a YAML document against it and adds the cross-references zod can
 * not see (needs, cycles, services, variables). Types below are inferred from the schemas.
 */
export const PipelineSchema = strict({
  name: name('pipeline').optional(),
  image: image.optional(),
  env: envMap.optional(),
  on: TriggersSchema.optional(),
  services: z
    .record(name('service'), ServiceSchema, { error: 'expected a mapping of service names to services' })
    .optional(),
  jobs: z.record(name('job'), JobSchema, { error: 'expected a mapping of job names to jobs' }),
});

export type Pipeline = z.infer<typeof PipelineSchema>;
export type Job = z.infer<typeof JobSchema>;
export type {
  Build,
  Cache,
  InlineService,
  Matrix,
  Resources,
  Service,
  Step,
  Triggers,
  When,
} from './types.js';
