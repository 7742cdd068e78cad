/**
 * runner/worker — what `slipway runner` runs: BullMQ workers executing queued JobSpecs with the
 * executor. Its log side: `createLogWriter` turns the executor's synchronous log calls into
 * batched, numbered entries of the job's Redis log stream.
 */
export { createLogWriter, type LogWriter, type LogWriterOptions } from './log-writer.js';
