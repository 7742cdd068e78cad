import { EventEmitter } from 'node:events';
import { closeSync, constants as fs, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as os } from 'node:os';

const signalNames = new Map(Object.entries(os.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const errnoNames = new Map(Object.entries(os.errno).map(([name, n]) => [n, name]));

/**
 * One command started by the spawn helper (helper.ts), shaped as the ChildProcess Node's spawn
 * returns for stdio ['ignore', 'pipe', 'pipe']: `stdout`/`stderr` streams, `pid` (once forked),
 * `kill()`, and the events `spawn`, `error` (it could not start), `exit` (code, signal) and
 * `close` (after `exit`, once both streams ended). Its streams read the FIFOs `out` and `err`,
 * opened here before the request goes out; a write end of each is held until the helper reports
 * the exit, so a reader never sees end-of-file before the command has its end open.
 */
export class HostChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdin = null;
  readonly stdout: Socket;
  readonly stderr: Socket;
  private holds: number[];
  private pendingSignal: NodeJS.Signals | number | undefined;
  private errored = false;
  private ended = false;
  private openStreams = 2;

  constructor(
    readonly spawnfile: string,
    readonly spawnargs: string[],
    out: string,
    err: string,
  ) {
    super();
    const reader = (path: string) => openSync(path, fs.O_RDONLY | fs.O_NONBLOCK);
    const [outFd, errFd] = [reader(out), reader(err)];
    this.holds = [out, err].map((p) => openSync(p, fs.O_WRONLY | fs.O_NONBLOCK));
    this.stdout = new Socket({ fd: outFd, readable: true, writable: false });
    this.stderr = new Socket({ fd: errFd, readable: true, writable: false });
    for (const s of [this.stdout, this.stderr])
      s.once('close', () => {
        this.openStreams--;
        this.maybeClose();
      });
  }

  /** The helper forked the command as `pid`. */
  started(pid: number): void {
    this.pid = pid;
    this.emit('spawn');
    if (this.pendingSignal !== undefined) this.kill(this.pendingSignal);
  }

  /** The command could not be started (errno, as the helper's Perl named it). */
  failed(errno: number, text: string): void {
    this.errored = true;
    const code = errnoNames.get(errno) ?? 'UNKNOWN';
    const error = Object.assign(new Error(`spawn ${this.spawnfile} ${code} (${text})`), {
      code,
      errno: -errno,
      syscall: `spawn ${this.spawnfile}`,
      path: this.spawnfile,
      spawnargs: this.spawnargs.slice(1),
    });
    this.exitCode = -errno;
    this.emit('error', error);
  }

  /** The command ended with wait(2) `status` (or never started, after `failed`). */
  exited(status: number): void {
    if (this.ended) return;
    this.ended = true;
    for (const fd of this.holds) closeSync(fd);
    this.holds = [];
    if (!this.errored) {
      const signal = status & 0x7f;
      this.signalCode = signal ? (signalNames.get(signal) ?? 'SIGKILL') : null;
      this.exitCode = signal ? null : (status >> 8) & 0xff;
      this.emit('exit', this.exitCode, this.signalCode);
    }
    this.maybeClose();
  }

  /** Sends `signal` to the command (once it is forked); false once it has ended. */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.ended || this.errored) return false;
    if (this.pid === undefined) {
      this.pendingSignal = signal;
      return true;
    }
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  ref(): void {
    this.stdout.ref();
    this.stderr.ref();
  }

  unref(): void {
    this.stdout.unref();
    this.stderr.unref();
  }

  private maybeClose(): void {
    if (this.ended && this.openStreams === 0) this.emit('close', this.exitCode, this.signalCode);
  }
}
