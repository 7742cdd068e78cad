import { createCipheriv, createHash } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../../lib/proc.js';

/**
 * The recipes that make base image root filesystems with nothing but Debian packages and the
 * apt mirror already configured on the host. Each writes into an empty `dir` it is given.
 */

/** busybox from busybox-static: the same recipe `slipway up` uses for its base image. */
export { makeBusyboxRootfs } from '../../cli/commands/up/busybox-rootfs.js';

/**
 * The Debian mirror apt uses on this host (deb822 `.sources` or one-line `.list` files), or
 * SLIPWAY_DEBIAN_MIRROR. debootstrap needs it: no public registry, but the apt mirror works.
 */
export async function debianMirror(): Promise<string> {
  if (process.env.SLIPWAY_DEBIAN_MIRROR) return process.env.SLIPWAY_DEBIAN_MIRROR;
  const dir = '/etc/apt/sources.list.d';
  const files = [
    ...(await readdir(dir).catch(() => [] as string[]))
      .filter((f) => f.endsWith('.sources') || f.endsWith('.list'))
      .map((f) => join(dir, f)),
    '/etc/apt/sources.list',
  ];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const uri =
      /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1] ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list.d/*; set SLIPWAY_DEBIAN_MIRROR');
}

/**
 * `Version` and `Date` of the suite's InRelease file on the mirror: they change when Debian
 * publishes a point release, i.e. when debootstrap would install other package versions.
 * Undefined when the mirror does not answer within a few seconds.
 */
export async function suiteRelease(mirror: string, suite: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${mirror}/dists/${suite}/InRelease`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    const text = await res.text();
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
    return `${field('Version') ?? '?'} ${field('Date') ?? '?'}`;
  } catch {
    return undefined;
  }
}

/** `debootstrap --variant=minbase` of `suite`, then trimmed like Docker's debian images. */
export async function makeDebianRootfs(
  dir: string,
  suite: string,
  mirror: string,
  debCache: string,
): Promise<void> {
  await mkdir(debCache, { recursive: true });
  await runTool('debootstrap', ['--variant=minbase', `--cache-dir=${debCache}`, suite, dir, mirror]);
  // Device nodes are the runtime's job (and layers must not carry them); host files stay out.
  for (const p of ['dev', 'var/lib/apt/lists', 'var/cache/apt/archives'])
    for (const e of await readdir(join(dir, p)).catch(() => [] as string[]))
      if (e !== 'partial' && e !== 'lock') await rm(join(dir, p, e), { recursive: true, force: true });
  for (const f of ['etc/hostname', 'etc/resolv.conf', 'var/log/bootstrap.log'])
    await rm(join(dir, f), { force: true });
}

/** The `dpkg-query` package list of a Debian rootfs: `name version` lines. */
export async function installedPackages(rootfs: string): Promise<string> {
  return await runTool('dpkg-query', [`--admindir=${join(rootfs, 'var/lib/dpkg')}`, '-W']);
}

/** Deterministic pseudo-random bytes (AES-256-CTR of zeros, keyed by `seed`): incompressible. */
function noise(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

/**
 * One generated layer of the benchmark image under `dir/opt/bench/layer-N`: 16 incompressible
 * 1.5 MiB files and 64 compressible 128 KiB text files (~32 MiB), some owned by 1000, one
 * executable, one symlink. Same bytes every time.
 */
export async function makeGeneratedLayer(dir: string, n: number): Promise<void> {
  const base = join(dir, 'opt/bench', `layer-${n}`);
  await mkdir(base, { recursive: true });
  for (const d of ['opt', 'opt/bench', `opt/bench/layer-${n}`]) await chmod(join(dir, d), 0o755);
  for (let i = 0; i < 16; i++) {
    await writeFile(join(base, `blob-${i}.bin`), noise(`layer-${n}-${i}`, 1536 * 1024));
    await chmod(join(base, `blob-${i}.bin`), i === 0 ? 0o755 : 0o644);
  }
  for (let i = 0; i < 64; i++) {
    const line = `layer ${n} file ${i} — the quick brown fox jumps over the lazy dog\n`;
    await writeFile(join(base, `text-${i}.txt`), line.repeat(Math.ceil((128 * 1024) / line.length)));
    await chmod(join(base, `text-${i}.txt`), 0o644);
    if (i % 8 === 0) await chown(join(base, `text-${i}.txt`), 1000, 1000);
  }
  await symlink('text-0.txt', join(base, 'latest.txt'));
}
