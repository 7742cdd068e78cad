/** The pipeline parser: YAML text → Pipeline, or positioned errors. See parse.ts. */
export { formatError, type PipelineError, sortErrors } from './errors.js';
export { defaultName, type ParseResult, parsePipeline } from './parse.js';
export { SourceMap } from './source.js';
