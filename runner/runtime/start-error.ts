import { readFile } from 'node:fs/promises';

/** The `--log` arguments that make runc/crun write their own errors as JSON lines to `path`. */
export function runtimeLogArgs(binary: string, path: string): string[] {
  return binary.endsWith('crun')
    ? [`--log=file:${path}`, '--log-format=json']
    : ['--log', path, '--log-format', 'json'];
}

/**
 * Reads the runtime's JSON log after a non-zero exit and returns its error, if the runtime
 * itself failed (the process could not start: missing executable, bad permissions, …), with
 * the exit code a shell would give: 127 not found, 126 not executable, else the runtime's.
 */
export async function runtimeStartError(
  path: string,
  exitCode: number,
): Promise<{ exitCode: number; message: string } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    let entry: { level?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.level !== 'error' || typeof entry.msg !== 'string') continue;
    const msg = entry.msg.replace(/^runc run failed: /, '');
    const code = /not found|no such file/i.test(msg) ? 127 : /permission denied/i.test(msg) ? 126 : exitCode;
    return { exitCode: code, message: `cannot start: ${msg}` };
  }
  return undefined;
}
