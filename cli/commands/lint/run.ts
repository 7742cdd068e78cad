/** `slipway lint [path]`: prints every error compiler-style; sets the exit code (2: nothing to read). */
export async function lintCommand(path: string): Promise<void> {
  const { loadPipelines } = await import('../../../pipelines/index.js');
  const { formatError } = await import('../../../pipelines/index.js');
  const loaded = await loadPipelines(path).catch((e: unknown) => {
    console.error(`slipway lint: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
  if (loaded.length === 0) {
    console.error(`slipway lint: no .slipway.yml or .slipway/*.yml in ${path}`);
    process.exit(2);
  }
  let errors = 0;
  let jobs = 0;
  for (const { result } of loaded) {
    if (result.ok) jobs += Object.keys(result.pipeline.jobs).length;
    else for (const e of result.errors) console.log(formatError(e));
    if (!result.ok) errors += result.errors.length;
  }
  if (errors > 0) {
    console.error(
      `${errors} error${errors === 1 ? '' : 's'} in ${loaded.filter((l) => !l.result.ok).length} file(s)`,
    );
    process.exitCode = 1;
    return;
  }
  const files = loaded.map((l) => l.file).join(', ');
  console.log(
    `ok: ${loaded.length} pipeline${loaded.length === 1 ? '' : 's'}, ${jobs} job${jobs === 1 ? '' : 's'} (${files})`,
  );
}
