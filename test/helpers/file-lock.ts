/**
 * Holds an exclusive flock(2) on a path while a function runs, so concurrent test processes
 * serialise on it (the project's own lock, see lib/file-lock.ts).
 */
export { withFileLock } from '../../lib/file-lock.js';
