/**
 * The runner's default size of a job's disk (its workspace plus every container's writes) when
 * neither the pipeline (`resources.disk`) nor the runner (`slipway exec --disk`) sets one.
 * Sparse: a job uses the host's disk only as far as it writes.
 */
export const DEFAULT_JOB_DISK_BYTES = 10 * 2 ** 30;
