import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import { tryTool } from '../../../lib/proc.js';

/** Where Debian's containernetworking-plugins install the plugin binaries. */
export const CNI_PATH = process.env.SLIPWAY_CNI_PATH ?? '/usr/lib/cni';
const CNI_VERSION = '1.0.0';

const resultSchema = z.object({
  cniVersion: z.string(),
  interfaces: z
    .array(z.object({ name: z.string(), mac: z.string().optional(), sandbox: z.string().optional() }))
    .default([]),
  ips: z
    .array(
      z.object({
        address: z.string(),
        gateway: z.string().optional(),
        interface: z.number().int().optional(),
      }),
    )
    .default([]),
});
export type CniResult = z.infer<typeof resultSchema>;

const errorSchema = z.object({ code: z.number(), msg: z.string(), details: z.string().optional() });

export interface CniInvocation {
  command: 'ADD' | 'DEL';
  /** Plugin config; `cniVersion` and `name` are filled in. Must contain `type`. */
  config: { type: string } & Record<string, unknown>;
  networkName: string;
  containerId: string;
  netnsPath: string;
  ifName: string;
}

/**
 * Executes one CNI plugin binary directly (no libcni): CNI_* variables in the environment, the
 * network config on stdin, the result (ADD) or nothing (DEL) on stdout. A plugin error becomes
 * an internal SlipwayError carrying the plugin's own message. DEL is idempotent per the spec.
 */
export async function invokeCni(inv: CniInvocation): Promise<CniResult | undefined> {
  const plugin = `${CNI_PATH}/${inv.config.type}`;
  const input = JSON.stringify({ cniVersion: CNI_VERSION, name: inv.networkName, ...inv.config });
  const r = await tryTool(plugin, [], {
    input,
    timeoutMs: 30_000,
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: inv.command,
      CNI_CONTAINERID: inv.containerId,
      CNI_NETNS: inv.netnsPath,
      CNI_IFNAME: inv.ifName,
      CNI_PATH,
    },
  });
  const context = { plugin: inv.config.type, command: inv.command, container: inv.containerId };
  if (r.code !== 0) {
    const parsed = errorSchema.safeParse(safeJson(r.stdout));
    const why = parsed.success
      ? `${parsed.data.msg}${parsed.data.details ? `: ${parsed.data.details}` : ''}`
      : (r.stderr || r.stdout).trim();
    throw new SlipwayError(`CNI ${inv.config.type} ${inv.command} failed: ${why}`, {
      category: 'internal',
      context,
    });
  }
  if (inv.command === 'DEL') return undefined;
  const parsed = resultSchema.safeParse(safeJson(r.stdout));
  if (!parsed.success) {
    throw new SlipwayError(
      `CNI ${inv.config.type} ADD returned an unexpected result: ${parsed.error.message}`,
      {
        category: 'internal',
        context,
      },
    );
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The bridge plugin config of a job: its own bridge, host-local IPAM with leases under `ipamDir`. */
export function bridgeConfig(opts: { bridge: string; subnet: string; gateway: string; ipamDir: string }) {
  return {
    type: 'bridge',
    bridge: opts.bridge,
    isGateway: true,
    // NAT is Slipway's own rule (firewall.ts) so that a crashed run leaves nothing in CNI's chains.
    ipMasq: false,
    hairpinMode: false,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: opts.subnet, gateway: opts.gateway }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: opts.ipamDir,
    },
  };
}

export const loopbackConfig = { type: 'loopback' };
