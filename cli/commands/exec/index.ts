import type { Command } from 'commander';
import { collect } from '../../flags.js';
import { addJobHostFlags, parseSizeOption } from '../../job-host-flags.js';
import type { ExecOptions } from './run.js';

/** `slipway exec [dir]`: runs a repository's pipeline locally on the real engine. */
export function register(program: Command): void {
  addJobHostFlags(
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
      .option('--compat-syscalls', 'let steps make 32-bit (i386, x32) system calls, as Docker does'),
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
