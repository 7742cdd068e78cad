import { lstat, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GitObjectReader, parseTree } from '../../lib/git-objects.js';
import { gitIndexBytes, type IndexEntry } from './git-index.js';

/** Most paths a tree may hold to be written here; a bigger checkout is git's (parallel) work. */
const MAX_ENTRIES = 2_000;
/** Largest file written here (bytes held in memory); a tree with a bigger one is checked out by git. */
const MAX_BLOB_BYTES = 1024 * 1024;
/** Files read and written at a time. */
const BATCH = 32;

/** What a tree holds, known before anything is written. */
interface Planned {
  dirs: string[];
  files: Array<{ path: string; mode: '100644' | '100755' | '120000'; oid: string }>;
  submodules: Array<{ path: string; oid: string }>;
}

/**
 * Checks out `commit` of the repository `objects` reads into `dest`, whose `.git` initWorkspaceRepo
 * made (objects reachable through it), as `git checkout --detach <commit>` would: the files with
 * their modes, symlinks, an empty directory per submodule, `.git/index` with the stat data of
 * what was written (git sees the tree clean without reading a file) and a detached HEAD. No git
 * process is started: each object is a pipe round trip to the repository's long-lived reader.
 * Only a tree this is sure to write as git does is written: SHA-1 objects, no `.gitattributes`
 * (filters, line endings), at most MAX_ENTRIES paths and MAX_BLOB_BYTES a file, and only names
 * git itself checks out on every platform it protects. Returns false otherwise (or when the
 * commit is missing), with nothing left in `dest` but `.git`: the caller then runs git, whose
 * answer (its error included) is the one given. Throws only when writing fails.
 */
export async function writeTreeCheckout(
  objects: GitObjectReader,
  commit: string,
  dest: string,
): Promise<boolean> {
  if (commit.length !== 40) return false;
  const plan = await planTree(objects, commit);
  if (!plan) return false;
  for (const dir of plan.dirs) await mkdir(join(dest, dir), { mode: 0o777 });
  const entries: IndexEntry[] = [];
  for (const s of plan.submodules) {
    await mkdir(join(dest, s.path), { mode: 0o777 });
    entries.push({ path: Buffer.from(s.path), mode: 0o160000, oid: s.oid });
  }
  for (let i = 0; i < plan.files.length; i += BATCH) {
    const batch = plan.files.slice(i, i + BATCH);
    const blobs = await Promise.all(batch.map((f) => objects.read(f.oid, MAX_BLOB_BYTES)));
    if (blobs.some((b) => b?.type !== 'blob' || !b.data)) {
      await clearWorkTree(dest);
      return false;
    }
    await Promise.all(
      batch.map(async (f, j) => {
        const data = blobs[j]?.data as Buffer;
        const at = join(dest, f.path);
        if (f.mode === '120000') await symlink(data, at);
        else await writeFile(at, data, { flag: 'wx', mode: f.mode === '100755' ? 0o777 : 0o666 });
        const stat = await lstat(at, { bigint: true });
        entries.push({ path: Buffer.from(f.path), mode: Number.parseInt(f.mode, 8), oid: f.oid, stat });
      }),
    );
  }
  await writeFile(join(dest, '.git', 'index'), gitIndexBytes(entries));
  await writeFile(join(dest, '.git', 'HEAD'), `${commit}\n`);
  return true;
}

/** Every tree of `commit`, read and checked before anything is written; undefined: leave it to git. */
async function planTree(objects: GitObjectReader, commit: string): Promise<Planned | undefined> {
  const head = await objects.read(commit, 64 * 1024);
  const root =
    head?.type === 'commit' ? /^tree ([0-9a-f]{40})\n/.exec(head.data?.toString('latin1') ?? '') : null;
  if (!root?.[1]) return undefined;
  const plan: Planned = { dirs: [], files: [], submodules: [] };
  let level: Array<{ path: string; oid: string }> = [{ path: '', oid: root[1] }];
  let count = 0;
  while (level.length > 0) {
    const trees = await Promise.all(level.map((t) => objects.read(t.oid, 4 * 1024 * 1024)));
    const next: typeof level = [];
    for (const [i, tree] of trees.entries()) {
      if (tree?.type !== 'tree' || !tree.data) return undefined;
      const parent = level[i]?.path ?? '';
      const seen = new Set<string>();
      let entries: ReturnType<typeof parseTree>;
      try {
        entries = parseTree(tree.data, 40);
      } catch {
        return undefined;
      }
      for (const e of entries) {
        if (!writableName(e.name) || seen.has(e.name) || ++count > MAX_ENTRIES) return undefined;
        seen.add(e.name);
        const path = parent ? `${parent}/${e.name}` : e.name;
        if (e.mode === '40000') {
          plan.dirs.push(path);
          next.push({ path, oid: e.oid });
        } else if (e.mode === '160000') plan.submodules.push({ path, oid: e.oid });
        else if (e.mode === '100644' || e.mode === '100755' || e.mode === '120000')
          plan.files.push({ path, mode: e.mode, oid: e.oid });
        else return undefined;
      }
    }
    level = next;
  }
  return plan;
}

/**
 * Whether git writes a tree entry named `name` as it is, everywhere: not empty, `.` or `..`,
 * no `/`, `\` or NUL, valid UTF-8, not `.git` in any spelling git guards against (case, trailing
 * dots and spaces, `git~1`), and not `.gitattributes` (which changes how git writes files).
 */
function writableName(name: string): boolean {
  if (name === '' || name === '.' || name === '..' || /[/\\\0\uFFFD]/.test(name)) return false;
  const folded = name.toLowerCase().replace(/[. ]+$/, '');
  return folded !== '.git' && folded !== '.gitattributes' && !folded.startsWith('git~');
}

/** Removes what was written into the work tree `dest`, keeping `.git`. */
async function clearWorkTree(dest: string): Promise<void> {
  for (const name of await readdir(dest))
    if (name !== '.git') await rm(join(dest, name), { recursive: true, force: true });
}
