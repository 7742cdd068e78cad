import type { Command } from 'commander';
import {
  collect,
  parseCpusOption,
  parseDiskOption,
  parseMemoryOption,
  parsePidsOption,
  parseSizeOption,
} from '../../flags.js';
import type { ExecOptions } from './run.js';

/** `slipway exec [dir]`: runs a repository's pipeline locally on the real engine. */
export function register(program: Command): void {
  program
    .command('exec')
    .description("run a repository's pipeline locally, each step in its own runc container")
    .argument('[dir]', 'repository directory with .slipway.yml or .slipway/*.yml', '.')
    .option('--job <name>', 'run only this job (by name or id; repeatable)', collect)
    .option('--event <kind>', 'event to plan for: push, tag, pull_request, manual', 'push')
    .option('--branch <name>', 'branch of the event (default: the current git branch, else main)')
    .option('--tag <name>', 'tag of the event (with --event tag)')
    .option(
      '--secret <NAME[=VALUE]>',
      'grant a secret (value from the environment when omitted; repeatable; masked as *** in logs)',
      collect,
    )
    .option(
      '--secret-file <NAME=PATH>',
      "grant a secret whose value is the file's content, one trailing newline dropped (repeatable)",
      collect,
    )
    .option('--runtime <binary>', 'OCI runtime: runc or crun', 'runc')
    .option(
      '--userns [hostid:size]',
      "map steps' root to an unprivileged host id range (default: the slipway user's /etc/subuid range, else 100000:65536)",
    )
    .option('--compat-syscalls', 'let steps make 32-bit (i386, x32) system calls, as Docker does')
    .option(
      '--memory <size>',
      'memory limit of every step and service whose pipeline sets none (512M, 1G; default 2G, at most half the host)',
      parseMemoryOption,
    )
    .option(
      '--disk <size>',
      "disk of every job whose pipeline sets none: its workspace plus its containers' writes (default 10G)",
      parseDiskOption,
    )
    .option('--cpus <n>', 'CPU limit (cores, e.g. 1.5) where the pipeline sets none', parseCpusOption)
    .option('--pids <n>', 'process limit where the pipeline sets none (default 1024)', parsePidsOption)
    .option('--data-dir <dir>', 'runner data directory (default: $SLIPWAY_DATA_DIR or /var/lib/slipway)')
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry (repeatable)', collect)
    .option(
      '--allow-registry <host>',
      'let jobs pull from this registry although it is on a loopback or link-local address (repeatable)',
      collect,
    )
    .option('--egress-deny <cidr>', 'steps may not reach this IPv4 range (repeatable)', collect)
    .option(
      '--egress-allow <cidr>',
      'steps may reach only these IPv4 ranges outside their job network (repeatable)',
      collect,
    )
    .option('--keep-workspace', 'keep each job workspace after the run')
    .option(
      '--artifacts-limit <size>',
      "limit of one job's artifacts (apparent size; default 1G)",
      parseSizeOption,
    )
    .action(async (dir: string, opts: ExecOptions) => {
      process.exitCode = await (await import('./run.js')).execCommand(dir, opts);
    });
}
