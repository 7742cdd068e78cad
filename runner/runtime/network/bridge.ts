import { readdir, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import { runTool, tryTool } from '../../../lib/proc.js';
import { type Cidr, formatCidr, overlaps, parseCidr, subnets } from './ipv4.js';
import { BRIDGE_PREFIX, bridgeName } from './names.js';

/** An `ip` call that hangs is SIGKILLed after 30 s. */
const NET_TOOL = { timeoutMs: 30_000 };

const routesSchema = z.array(z.object({ dst: z.string(), dev: z.string().optional() }));
const linksSchema = z.array(z.object({ ifname: z.string(), ifalias: z.string().optional() }));

/** Host networks a job subnet must not overlap (routes of every table, except Slipway's bridges). */
async function hostNetworks(): Promise<Cidr[]> {
  const routes = routesSchema.parse(
    JSON.parse(await runTool('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], NET_TOOL)),
  );
  return routes.flatMap((r) => {
    if (r.dst === 'default' || r.dev?.startsWith(BRIDGE_PREFIX)) return [];
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    return c ? [c] : [];
  });
}

/**
 * Claims a free /24 of `pool` for a job by creating its bridge: the bridge name encodes the
 * subnet, so `ip link add` failing with "File exists" means another job (of any runner on the
 * host) holds it and the next one is tried. Names already in /sys/class/net are skipped without
 * a try (a host with many jobs' bridges would otherwise run `ip` once for each). `beforeClaim` runs before each attempt (the caller
 * records its intent there, so a crash right after the claim is still collectable). The bridge
 * gets `label` as ifalias, IPv6 disabled, and is brought up. The caller owns deleting it.
 */
export async function claimBridge(opts: {
  pool: Cidr;
  label: string;
  beforeClaim: (bridge: string, subnet: Cidr) => Promise<void>;
}): Promise<{ bridge: string; subnet: Cidr }> {
  const taken = await hostNetworks();
  const links = new Set(await readdir('/sys/class/net').catch(() => []));
  for (const subnet of subnets(opts.pool, 24)) {
    if (taken.some((t) => overlaps(t, subnet))) continue;
    const bridge = bridgeName(subnet);
    if (links.has(bridge)) continue;
    await opts.beforeClaim(bridge, subnet);
    const r = await tryTool('ip', ['link', 'add', bridge, 'type', 'bridge'], NET_TOOL);
    if (r.code !== 0 && r.stderr.includes('File exists')) continue;
    if (r.code !== 0) {
      throw new SlipwayError(`cannot create bridge ${bridge}: ${r.stderr.trim()}`, { category: 'internal' });
    }
    await runTool('ip', ['link', 'set', bridge, 'alias', opts.label], NET_TOOL);
    await writeFile(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, '1\n');
    await runTool('ip', ['link', 'set', bridge, 'up'], NET_TOOL);
    return { bridge, subnet };
  }
  throw new SlipwayError(`no free /24 left in the job subnet pool ${formatCidr(opts.pool)}`, {
    category: 'temporary',
    context: { pool: formatCidr(opts.pool) },
  });
}

/** Deletes a bridge; idempotent. */
export async function deleteBridge(bridge: string): Promise<void> {
  const r = await tryTool('ip', ['link', 'del', bridge], NET_TOOL);
  if (r.code !== 0 && !r.stderr.includes('Cannot find device')) {
    throw new SlipwayError(`cannot delete bridge ${bridge}: ${r.stderr.trim()}`, { category: 'internal' });
  }
}

/** Slipway bridges on the host with their owner label (empty when the alias was never set). */
export async function listSlipwayBridges(): Promise<Array<{ bridge: string; label: string }>> {
  const links = linksSchema.parse(
    JSON.parse(await runTool('ip', ['-j', 'link', 'show', 'type', 'bridge'], NET_TOOL)),
  );
  return links
    .filter((l) => l.ifname.startsWith(BRIDGE_PREFIX))
    .map((l) => ({ bridge: l.ifname, label: l.ifalias ?? '' }));
}
