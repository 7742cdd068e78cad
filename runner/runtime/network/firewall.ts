import { writeFile } from 'node:fs/promises';
import { withFileLock } from '../../../lib/file-lock.js';
import { runTool, tryTool } from '../../../lib/proc.js';
import {
  type IptablesBin,
  NET_TOOL,
  restoreLine,
  restoreLines,
  saveTables,
  staticFingerprint,
} from './firewall-tables.js';
import { BRIDGE_PREFIX } from './names.js';

/**
 * Slipway's iptables rules. Static rules (installed once per host, never removed: they match
 * only `slw+` bridges, so they are inert without jobs) keep every job away from the host and
 * from other jobs; per-job rules (tagged with the job's owner label) allow traffic inside the
 * job's bridge and NAT its subnet to the outside. Chains:
 * - filter SLIPWAY-INPUT   (jumped to first from INPUT): from a job bridge only replies to
 *   connections the host opened (so the runner can probe a service); everything else is
 *   rejected — the gateway address, every other host address, any port.
 * - filter SLIPWAY-FORWARD (first in FORWARD): same-bridge traffic accepted (per job; matters
 *   with br_netfilter), then the job's egress rules (per job: denied ranges rejected; with an
 *   allow list, only those ranges accepted), link-local destinations (169.254.0.0/16: cloud
 *   metadata endpoints) rejected, bridge-to-bridge rejected, job-to-outside accepted,
 *   outside-to-job only as replies.
 * - nat SLIPWAY-POSTROUTING (first in POSTROUTING): per job, MASQUERADE of its subnet.
 * - ip6tables: nothing from or to a job bridge at all (jobs are IPv4-only).
 */
const BR = `${BRIDGE_PREFIX}+`;
type Rule = { table: 'filter' | 'nat'; chain: string; args: string[] };

/** Cloud metadata endpoints (169.254.169.254 and friends) live here: never reachable from a job. */
export const LINK_LOCAL = '169.254.0.0/16';
/** Kept first among the static forward rules, even on a host whose chain predates them. */
const FIRST_V4: Rule[] = [
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-i', BR, '-d', LINK_LOCAL, '-j', 'REJECT'] },
];
const STATIC_V4: Rule[] = [
  { table: 'filter', chain: 'SLIPWAY-INPUT', args: ['-i', BR, ...established('RETURN')] },
  { table: 'filter', chain: 'SLIPWAY-INPUT', args: ['-i', BR, '-j', 'REJECT'] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-i', BR, '-o', BR, '-j', 'REJECT'] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-i', BR, '-j', 'ACCEPT'] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-o', BR, ...established('ACCEPT')] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-o', BR, '-j', 'REJECT'] },
];
const STATIC_V6: Rule[] = [
  { table: 'filter', chain: 'SLIPWAY-INPUT', args: ['-i', BR, '-j', 'DROP'] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-i', BR, '-j', 'DROP'] },
  { table: 'filter', chain: 'SLIPWAY-FORWARD', args: ['-o', BR, '-j', 'DROP'] },
];
const JUMPS: Rule[] = [
  { table: 'filter', chain: 'INPUT', args: ['-j', 'SLIPWAY-INPUT'] },
  { table: 'filter', chain: 'FORWARD', args: ['-j', 'SLIPWAY-FORWARD'] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-j', 'SLIPWAY-POSTROUTING'] },
];
export const SLIPWAY_CHAINS = [
  { table: 'filter', chain: 'SLIPWAY-INPUT' },
  { table: 'filter', chain: 'SLIPWAY-FORWARD' },
  { table: 'nat', chain: 'SLIPWAY-POSTROUTING' },
] as const;

function established(target: string): string[] {
  return ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', target];
}

async function has(bin: IptablesBin, r: Rule): Promise<boolean> {
  return (await tryTool(bin, ['-w', '-t', r.table, '-C', r.chain, ...r.args], NET_TOOL)).code === 0;
}

/**
 * Held (flock, host-wide like the tables themselves) while static rules are checked and added:
 * two runners, or a runner and a CLI, that both find a rule missing would otherwise both add it.
 */
export const HOST_FIREWALL_LOCK = '/run/slipway/firewall.lock';

/** Runs `fn` holding the host firewall lock (waits for it). */
export function withHostFirewallLock<T>(fn: () => Promise<T>): Promise<T> {
  return withFileLock(HOST_FIREWALL_LOCK, fn, 60_000);
}

/** Per binary, the static rules' fingerprint as the last full check left them. */
const checked = new Map<IptablesBin, string>();
/** Per binary, the full check under way in this process. */
const fullCheck = new Map<IptablesBin, Promise<void>>();

/**
 * Installs what is missing of the static rules. When one `iptables-save` shows them exactly as
 * the last full check left them, nothing else runs (one process per job instead of ~20 checks);
 * otherwise every rule is checked under the host firewall lock.
 */
async function ensureRules(
  bin: IptablesBin,
  rules: Rule[],
  jumps: Rule[],
  first: Rule[] = [],
): Promise<void> {
  const known = checked.get(bin);
  if (known !== undefined) {
    const now = await saveTables(bin);
    if (now && staticFingerprint(now) === known) return;
  }
  // Jobs prepared at once share one full check (each would wait for the lock and redo it).
  let full = fullCheck.get(bin);
  if (!full) {
    full = withHostFirewallLock(async () => {
      await checkEveryRule(bin, rules, jumps, first);
      const after = await saveTables(bin);
      if (after) checked.set(bin, staticFingerprint(after));
    }).finally(() => fullCheck.delete(bin));
    fullCheck.set(bin, full);
  }
  await full;
}

async function checkEveryRule(bin: IptablesBin, rules: Rule[], jumps: Rule[], first: Rule[]): Promise<void> {
  for (const c of SLIPWAY_CHAINS) {
    if (bin === 'ip6tables' && c.table === 'nat') continue;
    await tryTool(bin, ['-w', '-t', c.table, '-N', c.chain], NET_TOOL); // exit 1 when it exists: fine
  }
  for (const r of first)
    if (!(await has(bin, r)))
      await runTool(bin, ['-w', '-t', r.table, '-I', r.chain, '1', ...r.args], NET_TOOL);
  for (const r of rules)
    if (!(await has(bin, r))) await runTool(bin, ['-w', '-t', r.table, '-A', r.chain, ...r.args], NET_TOOL);
  for (const j of jumps) {
    if (bin === 'ip6tables' && j.table === 'nat') continue;
    if (!(await has(bin, j)))
      await runTool(bin, ['-w', '-t', j.table, '-I', j.chain, '1', ...j.args], NET_TOOL);
  }
}

/**
 * Installs the static chains and rules (idempotent; checked on every job so a flushed host
 * firewall is repaired before a job runs) and turns on IPv4 forwarding.
 */
export async function ensureHostFirewall(): Promise<void> {
  await ensureRules('iptables', STATIC_V4, JUMPS, FIRST_V4);
  await ensureRules('ip6tables', STATIC_V6, JUMPS);
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');
}

/** What a job may reach outside its network (CIDRs). Default: everything but link-local. */
export interface EgressPolicy {
  /** Destinations rejected. */
  deny?: readonly string[];
  /** When given, the only destinations accepted (listing a link-local range opens it). */
  allow?: readonly string[];
}

interface JobRuleOptions {
  bridge: string;
  subnet: string;
  label: string;
  egress?: EgressPolicy;
}

/** A job's filter rules in chain order, then its nat rule. */
function jobRules(opts: JobRuleOptions): Rule[] {
  const comment = ['-m', 'comment', '--comment', opts.label];
  const out = ['-i', opts.bridge, '!', '-o', opts.bridge];
  const fwd = (match: string[], target: 'ACCEPT' | 'REJECT'): Rule => ({
    table: 'filter',
    chain: 'SLIPWAY-FORWARD',
    args: [...match, ...comment, '-j', target],
  });
  const { deny = [], allow } = opts.egress ?? {};
  return [
    fwd(['-i', opts.bridge, '-o', opts.bridge], 'ACCEPT'),
    ...deny.map((cidr) => fwd([...out, '-d', cidr], 'REJECT')),
    ...(allow ?? []).map((cidr) => fwd([...out, '-d', cidr], 'ACCEPT')),
    ...(allow ? [fwd(out, 'REJECT')] : []),
    {
      table: 'nat',
      chain: 'SLIPWAY-POSTROUTING',
      args: ['-s', opts.subnet, '!', '-o', opts.bridge, ...comment, '-j', 'MASQUERADE'],
    },
  ];
}

/** Adds a job's rules before the static ones, in order. Pair with `removeJobRules`. */
export async function addJobRules(opts: JobRuleOptions): Promise<void> {
  const inserts = jobRules(opts).reverse();
  const byTable = new Map<string, string[]>();
  for (const r of inserts) {
    const line = restoreLine(['-I', r.chain, '1', ...r.args]);
    if (line === undefined) return addOneByOne(inserts);
    byTable.set(r.table, [...(byTable.get(r.table) ?? []), line]);
  }
  if (!(await restoreLines('iptables', byTable))) {
    await removeRulesByLabel(opts.label); // a part may have gone in (each table is atomic alone)
    await addOneByOne(inserts);
  }
}

/** The same inserts one `iptables` at a time (an argument that is not plain; a refused restore). */
async function addOneByOne(inserts: Rule[]): Promise<void> {
  for (const r of inserts)
    await runTool('iptables', ['-w', '-t', r.table, '-I', r.chain, '1', ...r.args], NET_TOOL);
}

/** Removes every rule of the job (by its owner label); idempotent (absent rules are fine). */
export async function removeJobRules(opts: { label: string }): Promise<void> {
  await removeRulesByLabel(opts.label);
}

/** Every rule in Slipway's chains whose comment starts with `labelPrefix`, as `iptables -S` lines. */
export async function listRulesByLabel(labelPrefix: string): Promise<Array<{ table: string; line: string }>> {
  const found: Array<{ table: string; line: string }> = [];
  const saved = await saveTables('iptables');
  for (const c of SLIPWAY_CHAINS) {
    const lines =
      saved?.get(c.table) ??
      (await tryTool('iptables', ['-w', '-t', c.table, '-S', c.chain], NET_TOOL)).stdout.split('\n');
    for (const line of lines) {
      if (line.startsWith(`-A ${c.chain} `) && line.includes(`--comment "${labelPrefix}`))
        found.push({ table: c.table, line });
    }
  }
  return found;
}

/** Deletes every rule whose owner label starts with `labelPrefix` (garbage collection). */
export async function removeRulesByLabel(labelPrefix: string): Promise<number> {
  const rules = await listRulesByLabel(labelPrefix);
  const byTable = new Map<string, string[]>();
  for (const { table, line } of rules)
    byTable.set(table, [...(byTable.get(table) ?? []), `-D${line.slice(2)}`]);
  if (await restoreLines('iptables', byTable)) return rules.length;
  for (const { table, line } of rules) {
    // Our rules contain no spaces inside arguments; only the comment is quoted.
    const args = line.replaceAll('"', '').split(' ').slice(1);
    await tryTool('iptables', ['-w', '-t', table, '-D', ...args], NET_TOOL);
  }
  return rules.length;
}
