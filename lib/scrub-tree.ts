import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** What `scrubTree` changed. */
export interface ScrubReport {
  /** Files and directories whose setuid/setgid bits were cleared. */
  cleared: number;
  /** Device nodes, FIFOs and sockets removed. */
  removed: number;
}

const PRIVILEGE_BITS = 0o6000;

/**
 * Makes a tree a step could write (a job cache, a RUN cache mount) safe to keep on the host:
 * clears setuid/setgid bits on every file and directory and removes device nodes, FIFOs and
 * sockets, so nothing a step planted there runs as root or opens a host device for whoever
 * reaches it later. Never follows symlinks (they are left as they are: links grant nothing).
 * Synchronous walk; a missing dir is an empty report. Idempotent.
 */
export function scrubTree(dir: string): ScrubReport {
  const report: ScrubReport = { cleared: 0, removed: 0 };
  const walk = (path: string) => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket()) {
      rmSync(path, { force: true });
      report.removed++;
      return;
    }
    if (st.mode & PRIVILEGE_BITS) {
      chmodSync(path, st.mode & 0o1777);
      report.cleared++;
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return report;
}
