/** Prints a SlipwayError (or anything) as one clear line and sets a failing exit code. */
export function reportFailure(err: unknown): void {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

/** A byte count for people: `512 B`, `1.5 MB` (powers of 1000, as registries and docker show). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
