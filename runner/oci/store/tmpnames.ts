import { randomBytes } from 'node:crypto';

/**
 * Names of in-progress work under `<dataDir>/tmp/`: `<kind>-<pid>-<random>`. GC reads the pid
 * back to tell a live writer's temp file from debris left by a crashed process.
 */
export function tmpName(kind: string): string {
  return `${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid embedded in a tmp name, or undefined for names not made by tmpName. */
export function tmpNamePid(name: string): number | undefined {
  const m = /^[a-z]+-(\d+)-[a-f0-9]+$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
