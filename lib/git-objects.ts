import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { gitEnv } from './git-env.js';

/** One object read from a repository: its type, its size, and its bytes when within the asked limit. */
export interface GitObject {
  oid: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  size: number;
  /** Undefined when the object is larger than the read's `maxBytes` (its bytes were skipped). */
  data?: Buffer;
}

interface Pending {
  maxBytes: number;
  resolve(o: GitObject | undefined): void;
  reject(e: Error): void;
}

/** How long a reader stays open without a request before its git process is ended. */
const IDLE_MS = 30_000;

/**
 * A long-lived `git cat-file --batch` on one repository (gitEnv's sandboxed environment), so
 * reading an object or asking whether a commit is there costs a pipe round trip, not a git
 * process. Requests are answered in order. Objects fetched into the repository after the reader
 * started are found (git rescans its packs on a miss). The git process ends after IDLE_MS
 * without requests, or on close(), and is started again by the next request; if it dies, the
 * requests waiting on it fail and the next one starts a new one. Use objectReader() for the
 * reader of a repository shared by the whole process.
 */
export class GitObjectReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending: Pending[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private body: { header: Omit<GitObject, 'data'>; left: number; parts: Buffer[]; keep: boolean } | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(private readonly gitDir: string) {}

  /**
   * The object `spec` names (an object id, or `<id>^{tree}` and the like), or undefined when
   * the repository has no such object. Its bytes are kept only up to `maxBytes`.
   */
  read(spec: string, maxBytes = Number.POSITIVE_INFINITY): Promise<GitObject | undefined> {
    if (/[\n\r]/.test(spec)) return Promise.reject(new Error(`not an object name: ${JSON.stringify(spec)}`));
    const child = this.process();
    clearTimeout(this.idle);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) hold(child, true);
      this.pending.push({ maxBytes, resolve, reject });
      child.stdin.write(`${spec}\n`);
    });
  }

  /** Whether the repository holds `commit` (peeled: a tag naming a commit counts). */
  async hasCommit(commit: string): Promise<boolean> {
    return (await this.read(`${commit}^{commit}`, 0)) !== undefined;
  }

  /** Ends the git process (requests still waiting fail). A later request starts a new one. */
  close(): void {
    clearTimeout(this.idle);
    this.child?.stdin.end();
    this.child = undefined;
    this.failPending('closed');
  }

  private failPending(why: string): void {
    for (const p of this.pending.splice(0)) p.reject(new Error(`git cat-file in ${this.gitDir}: ${why}`));
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.gitDir, env: gitEnv() });
    this.child = child;
    this.buffered = Buffer.alloc(0);
    this.body = undefined;
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    child.stdout.on('data', (b: Buffer) => {
      if (this.child === child) this.onData(b);
    });
    const failAll = (why: string) => {
      if (this.child !== child) return; // closed: its requests have failed already
      this.child = undefined;
      this.failPending(why);
    };
    child.on('error', (e) => failAll(e.message));
    child.on('exit', (code) => failAll(stderr.trim() || `exited with ${code}`));
    child.stdin.on('error', () => {});
    hold(child, false);
    return child;
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      if (this.body) {
        const body = this.body;
        const take = Math.min(body.left, this.buffered.length);
        if (body.keep) body.parts.push(this.buffered.subarray(0, take));
        body.left -= take;
        this.buffered = this.buffered.subarray(take);
        if (body.left > 0) return;
        if (this.buffered.length < 1) return;
        this.buffered = this.buffered.subarray(1); // the newline after the contents
        this.body = undefined;
        const data = body.keep ? Buffer.concat(body.parts) : undefined;
        this.answer({ ...body.header, ...(data ? { data } : {}) });
        continue;
      }
      const nl = this.buffered.indexOf(10);
      if (nl < 0) return;
      const line = this.buffered.subarray(0, nl).toString();
      this.buffered = this.buffered.subarray(nl + 1);
      const m = /^([0-9a-f]+) (blob|tree|commit|tag) (\d+)$/.exec(line);
      if (!m) {
        this.answer(undefined); // `<spec> missing` or `<spec> ambiguous`
        continue;
      }
      const size = Number(m[3]);
      const keep = size <= (this.pending[0]?.maxBytes ?? 0);
      const header = { oid: m[1] as string, type: m[2] as GitObject['type'], size };
      this.body = { header, left: size, parts: [], keep };
    }
  }

  private answer(o: GitObject | undefined): void {
    this.pending.shift()?.resolve(o);
    if (this.pending.length > 0 || !this.child) return;
    hold(this.child, false);
    this.idle = setTimeout(() => this.close(), IDLE_MS).unref();
  }
}

/** Whether the git process keeps this process alive: only while requests wait on it. */
function hold(child: ChildProcessWithoutNullStreams, on: boolean): void {
  for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref(): void; unref(): void }>)
    on ? h.ref() : h.unref();
}

const readers = new Map<string, GitObjectReader>();

/** The process-wide reader of the repository at `gitDir` (made on first use). */
export function objectReader(gitDir: string): GitObjectReader {
  let r = readers.get(gitDir);
  if (!r) {
    r = new GitObjectReader(gitDir);
    readers.set(gitDir, r);
  }
  return r;
}

/** One entry of a git tree object. */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** The entries of a tree object's raw bytes (`<mode> <name>\0<binary id>` each). */
export function parseTree(data: Buffer, oidHexLength: number): TreeEntry[] {
  const idBytes = oidHexLength / 2;
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(32, at);
    const nul = data.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 1 + idBytes > data.length) throw new Error('malformed git tree object');
    entries.push({
      mode: data.subarray(at, space).toString(),
      name: data.subarray(space + 1, nul).toString(),
      oid: data.subarray(nul + 1, nul + 1 + idBytes).toString('hex'),
    });
    at = nul + 1 + idBytes;
  }
  return entries;
}
