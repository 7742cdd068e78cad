import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool, tryTool } from '../../lib/proc.js';
import { requireBinary } from './requirements.js';

const source = fileURLToPath(new URL('../fixtures/syscalls/i386-write.c', import.meta.url));

/**
 * Compiles the i386-syscall fixture into `<dir>/i386-write` (dir becomes a one-file layer dir
 * to put on top of an image's layers). Needs gcc; x86_64 hosts only.
 */
export async function i386SyscallLayer(dir: string): Promise<string> {
  requireBinary('gcc', 'gcc');
  await mkdir(dir, { recursive: true });
  await runTool('gcc', [
    '-static',
    '-nostdlib',
    '-fno-pie',
    '-no-pie',
    '-O1',
    '-o',
    join(dir, 'i386-write'),
    source,
  ]);
  return dir;
}

/**
 * Whether this host's kernel serves 32-bit system calls at all: runs the fixture on the host,
 * outside any sandbox. Kernels built without IA32 emulation (or booted with
 * `ia32_emulation=0`) answer `int 0x80` with SIGSEGV whatever the seccomp filter says.
 */
export async function hostServes32BitSyscalls(layerDir: string): Promise<boolean> {
  const { code, stdout } = await tryTool(join(layerDir, 'i386-write'), []);
  return code === 0 && stdout === 'i386 ok\n';
}
