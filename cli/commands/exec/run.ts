import { resolve } from 'node:path';
import { openRunnerHost } from '../../../runner/host.js';
import { defaultUsernsMapping, type UsernsMapping } from '../../../runner/runtime/index.js';
import { type JobHostFlags, jobHostOptions } from '../../job-host-flags.js';
import { cancellableBySignals } from '../../local/cancel.js';
import { loadRepository, runRepository } from '../../local/run-repository.js';
import { formatDuration } from '../../local/terminal-reporter.js';
import { secretValues } from './secrets.js';

/** `slipway exec`'s options as commander gives them. */
export interface ExecOptions extends JobHostFlags {
  job?: string[];
  event: string;
  branch?: string;
  tag?: string;
  secret?: string[];
  secretFile?: string[];
  runtime: string;
  compatSyscalls?: boolean;
  /** `--userns` (the default range) or `--userns HOSTID:SIZE`. */
  userns?: boolean | string;
  keepWorkspace?: boolean;
  egressDeny?: string[];
  egressAllow?: string[];
  artifactsLimit?: number;
}

/** `--userns` as a mapping: absent → none; no value → the default range; `HOSTID:SIZE`. */
function usernsOption(flag: boolean | string | undefined): UsernsMapping | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (flag === true) return defaultUsernsMapping();
  const m = /^(\d+):(\d+)$/.exec(flag);
  if (!m) throw new Error(`--userns takes HOSTID:SIZE (e.g. 100000:65536), got ${JSON.stringify(flag)}`);
  return { hostId: Number(m[1]), size: Number(m[2]) };
}

/**
 * `slipway exec`: opens the runner host of the data dir, cleans up after a crashed earlier run
 * when no other process uses it, and runs the repository's pipelines. Returns the process exit
 * code (130 when cancelled by SIGINT/SIGTERM).
 */
export async function execCommand(dir: string, opts: ExecOptions): Promise<number> {
  const root = resolve(dir);
  const loaded = await loadRepository(root);
  if (!loaded) return 1;
  let secrets: Map<string, string>;
  try {
    secrets = await secretValues(opts.secret ?? [], opts.secretFile ?? []);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
  let userns: UsernsMapping | undefined;
  try {
    userns = usernsOption(opts.userns);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
  const host = await openRunnerHost({
    ...jobHostOptions(opts),
    runtime: {
      binary: opts.runtime,
      compatSyscalls: opts.compatSyscalls === true,
      ...(userns ? { userns } : {}),
    },
    ...(opts.egressDeny || opts.egressAllow
      ? { egress: { deny: opts.egressDeny ?? [], ...(opts.egressAllow ? { allow: opts.egressAllow } : {}) } }
      : {}),
    onPull: (ref, p) => {
      if (p.state === 'done' && p.kind === 'layer')
        console.log(`pulled ${ref} layer ${p.digest.slice(7, 19)}`);
    },
  });
  const lease = await host.lease();
  const started = Date.now();
  try {
    if (lease.sole) {
      const gc = await host.gc();
      if (gc.containers || gc.rootfs)
        console.log(`removed ${gc.containers} container(s) left by a crashed earlier run`);
      if (gc.disks) console.log(`removed ${gc.disks} job disk(s) left by a crashed earlier run`);
      if (gc.workspaces || gc.buildScratch)
        console.log(
          `removed ${gc.workspaces} workspace(s) and ${gc.buildScratch} build scratch dir(s) left by a crashed earlier run`,
        );
    }
    const runtime = await host.runtime();
    const { value: exit, cancelled } = await cancellableBySignals((signal) =>
      runRepository(root, loaded, {
        deps: {
          host,
          runtime,
          secret: (n) => secrets.get(n),
          keepWorkspace: opts.keepWorkspace === true,
          ...(opts.artifactsLimit === undefined ? {} : { artifactsLimitBytes: opts.artifactsLimit }),
        },
        event: opts,
        ...(opts.job ? { only: opts.job } : {}),
        signal,
      }),
    );
    if (cancelled) {
      console.log(`run cancelled after ${formatDuration(Date.now() - started)}`);
      return 130;
    }
    console.log(`done in ${formatDuration(Date.now() - started)}`);
    return exit;
  } finally {
    await lease.release();
  }
}
