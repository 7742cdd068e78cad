import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import type { Descriptor } from '../types.js';
import { digestOf } from './digest.js';
import { tmpName } from './tmpnames.js';

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.object({ architecture: z.string(), os: z.string(), variant: z.string().optional() }).optional(),
});

const refFileSchema = z.object({ ref: z.string().min(1), target: descriptorSchema });

/**
 * References → descriptors, one JSON file per ref at `<dataDir>/refs/<sha256(ref)>.json`
 * (so any ref string is a safe file name), replaced atomically by write-temp-then-rename.
 * A file's mtime is the ref's last use (set on setRef and getRef), read by LRU eviction.
 */
export class RefStore {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly tmpDir: string,
  ) {
    this.dir = join(dataDir, 'refs');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private fileOf(ref: string): string {
    return join(this.dir, `${digestOf(ref).slice('sha256:'.length)}.json`);
  }

  async set(ref: string, target: Descriptor): Promise<void> {
    if (ref.length === 0) throw new SlipwayError('empty image reference');
    const parsed = descriptorSchema.safeParse(target);
    if (!parsed.success)
      throw new SlipwayError(`invalid descriptor for ${ref}: ${parsed.error.message}`, {
        context: { image: ref },
      });
    const tmp = join(this.tmpDir, tmpName('ref'));
    await writeFile(tmp, JSON.stringify({ ref, target: parsed.data }));
    await rename(tmp, this.fileOf(ref));
  }

  async get(ref: string): Promise<Descriptor | undefined> {
    const file = this.fileOf(ref);
    const entry = await this.readFile(file);
    if (!entry) return undefined;
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return entry.target;
  }

  async delete(ref: string): Promise<void> {
    await unlink(this.fileOf(ref)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every ref with its target and last-use time (ms since epoch). */
  async list(): Promise<Array<{ ref: string; target: Descriptor; usedAt: number }>> {
    const out: Array<{ ref: string; target: Descriptor; usedAt: number }> = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.dir, name);
      const entry = await this.readFile(file);
      if (!entry) continue;
      const st = await stat(file).catch(() => undefined);
      out.push({ ref: entry.ref, target: entry.target, usedAt: st?.mtimeMs ?? 0 });
    }
    return out;
  }

  private async readFile(file: string): Promise<z.infer<typeof refFileSchema> | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = refFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new SlipwayError(`corrupt ref file ${file}: ${parsed.error.message}`, { category: 'internal' });
    return parsed.data;
  }
}
