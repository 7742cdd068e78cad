/**
 * The runner's default size of a job's disk (its workspace plus every container's writes) when
 * neither the pipeline (`resources.disk`) nor the runner (`slipway exec --disk`) sets one.
 * Sparse: a job uses the host's disk only as far as it writes.
 */
export const DEFAULT_JOB_DISK_BYTES = 10 * 2 ** 30;

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** "10 GiB", "64 MiB", "1.5 GiB". */
function formatSize(n: number): string {
  if (n >= GiB) return n % GiB === 0 ? `${n / GiB} GiB` : `${(n / GiB).toFixed(1)} GiB`;
  return n % MiB === 0 ? `${n / MiB} MiB` : `${(n / MiB).toFixed(1)} MiB`;
}

/** The reason given when a step (or the workspace) ran out of the job's disk. */
export function diskLimitMessage(bytes: number): string {
  return `disk limit (${formatSize(bytes)}) reached`;
}
