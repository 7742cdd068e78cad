import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Per-fixture build settings for the conformance test, from an optional `build-env` file in the
 * fixture dir: `KEY=VALUE` lines (blank lines and `#` comments allowed). Both builders read it:
 * Slipway gets the settings as BuildOptions, Docker's builder as `--build-arg KEY=VALUE` (how
 * BuildKit takes SOURCE_DATE_EPOCH; Docker 20.10 accepts and ignores it, and mtimes are not
 * compared). Known keys: SOURCE_DATE_EPOCH (seconds since the epoch). Anything else is an error
 * naming the file and line, so a typo cannot silently build the fixture without its setting.
 */
export interface FixtureBuildEnv {
  sourceDateEpoch?: number;
  /** The settings as Docker build args, in file order. */
  dockerBuildArgs: string[];
}

export async function fixtureBuildEnv(fixtureDir: string): Promise<FixtureBuildEnv> {
  const file = join(fixtureDir, 'build-env');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const env: FixtureBuildEnv = { dockerBuildArgs: [] };
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    const where = `${file}:${i + 1}`;
    if (!m) throw new Error(`${where}: expected KEY=VALUE, got ${JSON.stringify(line)}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key !== 'SOURCE_DATE_EPOCH')
      throw new Error(`${where}: unknown setting ${key} (known: SOURCE_DATE_EPOCH)`);
    if (!/^\d+$/.test(value))
      throw new Error(`${where}: SOURCE_DATE_EPOCH must be seconds, not ${JSON.stringify(value)}`);
    env.sourceDateEpoch = Number(value);
    env.dockerBuildArgs.push(`${key}=${value}`);
  }
  return env;
}
