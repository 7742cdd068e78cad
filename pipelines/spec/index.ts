/** The JobSpec: the versioned payload between server and runner. See jobspec.ts. */
export * from './jobspec.js';
