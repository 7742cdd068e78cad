import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Largest `--secret-file` read: far above any token or key, below what one env value may hold. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The secret values of `slipway exec`: `--secret NAME=VALUE`, `--secret NAME` (from the
 * environment) and `--secret-file NAME=PATH` (the file's content, one trailing newline
 * dropped, so values need not appear in process arguments). Throws a message for the user on a
 * bad name, a name missing from the environment, or a file that is not a regular file of at
 * most MAX_SECRET_FILE_BYTES.
 */
export async function secretValues(
  specs: readonly string[],
  files: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    const name = checkName(eq === -1 ? s : s.slice(0, eq), '--secret');
    const value = eq === -1 ? env[name] : s.slice(eq + 1);
    if (value === undefined) throw new Error(`--secret ${name}: ${name} is not set in the environment`);
    out.set(name, value);
  }
  for (const f of files) {
    const eq = f.indexOf('=');
    if (eq === -1) throw new Error(`--secret-file "${f}": expected NAME=PATH`);
    const name = checkName(f.slice(0, eq), '--secret-file');
    out.set(name, await readSecretFile(f.slice(eq + 1), name));
  }
  return out;
}

function checkName(name: string, flag: string): string {
  if (!NAME.test(name)) throw new Error(`${flag} "${name}": a secret name is letters, digits and _`);
  return name;
}

/** A regular file's text (O_NONBLOCK: a FIFO given by mistake cannot hang the command). */
async function readSecretFile(path: string, name: string): Promise<string> {
  const where = `--secret-file ${name}=${path}`;
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: Error) => {
    throw new Error(`${where}: ${err.message}`);
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${where}: not a regular file`);
    if (st.size > MAX_SECRET_FILE_BYTES)
      throw new Error(`${where}: larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB`);
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SECRET_FILE_BYTES)
      throw new Error(`${where}: larger than ${MAX_SECRET_FILE_BYTES / 1024} KiB`);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  } finally {
    await fh.close();
  }
}
