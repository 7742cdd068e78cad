import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { SlipwayError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import { dataDirPaths } from '../../data-dir.js';
import { claimBridge } from './bridge.js';
import { bridgeConfig, invokeCni, loopbackConfig } from './cni.js';
import { type HostsEntry, jobResolvConf, renderHostsFile } from './dns.js';
import { addJobRules, type EgressPolicy, ensureHostFirewall } from './firewall.js';
import { type Cidr, cidrSchema, formatCidr, nthAddress, parseCidr, subnetPoolSchema } from './ipv4.js';
import { cniNetworkName, netnsName, ownerLabel } from './names.js';
import { addNetns, deleteNetns } from './netns.js';
import { readJobRecord, teardownJob, writeJobRecord } from './teardown.js';

export const DEFAULT_SUBNET_POOL = '10.89.0.0/16';

const optionsSchema = z.object({
  jobId: z.string().min(1).max(256),
  dataDir: z.string().min(1),
  subnetPool: subnetPoolSchema.default(DEFAULT_SUBNET_POOL),
  egress: z
    .object({ deny: z.array(cidrSchema).optional(), allow: z.array(cidrSchema).optional() })
    .optional(),
});
/** A container name inside a job (a step or service id); also its first hostname. */
const hostnameSchema = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62})$/, 'must be 1-63 letters, digits, "_", "." or "-"');
const containerSchema = z.object({ name: hostnameSchema, aliases: z.array(hostnameSchema).default([]) });

/** One container's place on the job network. `netnsPath` goes into the OCI bundle. */
export interface ContainerNetwork {
  name: string;
  netnsPath: string;
  ip: string;
  /** Hostnames other containers of the job resolve to `ip` (the name, then the aliases). */
  names: string[];
}

/**
 * A job's network: one bridge and /24 per job, one netns + IP per container (services and
 * steps), isolated from the host and from other jobs, NATed to the outside. Lifecycle:
 * `createJobNetwork` → `addContainer` before each container starts (use its `netnsPath` and
 * `hostsFile()`), `removeContainer` after it exits → `destroy()` once the job is over, on every
 * exit path. `destroy` is idempotent and safe after a failed setup; `gcNetworks` collects what a
 * crashed process left behind.
 */
export interface JobNetwork {
  readonly jobId: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  /**
   * Attaches container `name`: takes the place made ahead (prepareSpare) or makes one. The next
   * place is not made here: the caller asks for it (prepareSpare) once the container has
   * started, so making it never competes with that start.
   */
  addContainer(opts: { name: string; aliases?: string[] }): Promise<ContainerNetwork>;
  /** Starts making the next container's place ahead, if none is being made; failures are only logged. */
  prepareSpare(): void;
  removeContainer(name: string): Promise<void>;
  /** /etc/hosts lines for every container currently on the network. */
  hostsEntries(): HostsEntry[];
  /** A complete /etc/hosts for any container of the job. */
  hostsFile(): string;
  /** /etc/resolv.conf for the job: the host's upstream resolvers, never a host-local stub. */
  resolvConf(): Promise<string>;
  destroy(): Promise<void>;
}

export async function createJobNetwork(opts: {
  jobId: string;
  dataDir: string;
  subnetPool?: string;
  /** What the job may reach outside its network (default: all but link-local). */
  egress?: EgressPolicy;
  log: Logger;
}): Promise<JobNetwork> {
  const parsed = optionsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new SlipwayError(`invalid job network options: ${z.prettifyError(parsed.error)}`, {
      context: { job: opts.jobId },
    });
  }
  const { jobId, dataDir } = parsed.data;
  const log = opts.log.child({ module: 'runtime/network', jobId });
  await mkdir(dataDirPaths.networkIpam(dataDir), { recursive: true });
  const stale = await readJobRecord(dataDir, jobId);
  if (stale) {
    log.warn({ bridge: stale.bridge }, 'removing a stale network left by an earlier run of this job');
    await teardownJob(dataDir, stale, log);
  }
  await ensureHostFirewall();
  const label = ownerLabel(dataDir, jobId);
  let claimed: { bridge: string; subnet: Cidr } | undefined;
  try {
    claimed = await claimBridge({
      pool: parseCidr(parsed.data.subnetPool)!,
      label,
      beforeClaim: (bridge, subnet) => writeJobRecord(dataDir, { jobId, bridge, subnet: formatCidr(subnet) }),
    });
    await addJobRules({
      bridge: claimed.bridge,
      subnet: formatCidr(claimed.subnet),
      label,
      ...(parsed.data.egress ? { egress: parsed.data.egress } : {}),
    });
  } catch (err) {
    const record = await readJobRecord(dataDir, jobId);
    if (record) await teardownJob(dataDir, record, log);
    throw err;
  }
  log.debug({ bridge: claimed.bridge, subnet: formatCidr(claimed.subnet) }, 'job network created');
  const network = new CniJobNetwork(dataDir, jobId, claimed.bridge, claimed.subnet, log);
  network.prepareSpare();
  return network;
}

/** Places of ended containers a network keeps for later ones (see CniJobNetwork.reusable). */
const FREE_PLACES = 4;
/** How long a place stays free before another container may take it. */
const PLACE_QUARANTINE_MS = 1_000;

/** A netns on the job network with its IP, before or after a container takes it. */
interface Place {
  netns: string;
  netnsPath: string;
  ip: string;
}

class CniJobNetwork implements JobNetwork {
  readonly subnet: string;
  readonly gateway: string;
  private readonly containers = new Map<string, ContainerNetwork & Place>();
  private destroyed = false;
  /** The next container's place, being made or ready (see addContainer). */
  private spare: Promise<Place> | undefined;
  private spares = 0;
  /** Places of containers that ended, oldest first, kept for later containers (see reusable). */
  private readonly free: Array<{ place: Place; at: number }> = [];

  constructor(
    private readonly dataDir: string,
    readonly jobId: string,
    readonly bridge: string,
    subnet: Cidr,
    private readonly log: Logger,
  ) {
    this.subnet = formatCidr(subnet);
    this.gateway = nthAddress(subnet, 1);
  }

  private cni(command: 'ADD' | 'DEL', netns: string, which: 'eth0' | 'lo') {
    const config =
      which === 'lo'
        ? loopbackConfig
        : bridgeConfig({
            bridge: this.bridge,
            subnet: this.subnet,
            gateway: this.gateway,
            ipamDir: dataDirPaths.networkIpam(this.dataDir),
          });
    return invokeCni({
      command,
      config,
      networkName: cniNetworkName(this.dataDir, this.jobId),
      containerId: netns,
      netnsPath: `/run/netns/${netns}`,
      ifName: which,
    });
  }

  /**
   * Gives a container its place on the network: a free place past its quarantine, else the one
   * made ahead (netns with lo and eth0, an IP; made whenever the last one is taken, so a
   * container usually starts without waiting for the CNI plugins), else a new one. A place is
   * named and listed in the hosts file only when it is taken.
   */
  async addContainer(opts: { name: string; aliases?: string[] }): Promise<ContainerNetwork> {
    const { name, aliases } = containerSchema.parse(opts);
    if (this.destroyed) throw new SlipwayError('job network already destroyed', { category: 'internal' });
    if (this.containers.has(name)) {
      throw new SlipwayError(`container "${name}" is already on the job network`, { category: 'internal' });
    }
    // A place out of quarantine goes first (a spare made meanwhile stays for the next one).
    let place = this.reusable();
    if (!place) {
      const spare = this.spare;
      this.spare = undefined;
      place = (await spare?.catch(() => undefined)) ?? (await this.attach(`${name}#${++this.spares}`));
    }
    const entry = { ...place, name, names: [name, ...aliases] };
    if (this.destroyed) {
      await this.detach(entry);
      throw new SlipwayError('job network already destroyed', { category: 'internal' });
    }
    this.containers.set(name, entry);
    this.log.debug({ container: name, ip: entry.ip, netns: entry.netns }, 'container attached');
    return { name, netnsPath: entry.netnsPath, ip: entry.ip, names: entry.names };
  }

  prepareSpare(): void {
    if (this.destroyed || this.spare) return;
    const reused = this.reusable();
    if (reused) {
      this.spare = Promise.resolve(reused);
      return;
    }
    const key = `#spare${++this.spares}`;
    this.spare = this.attach(key);
    this.spare.catch((err) => this.log.debug({ err }, 'could not prepare a network place ahead'));
  }

  /** A netns with lo and eth0 on the bridge (CNI ADD, both at once); removed again on failure. */
  private async attach(key: string): Promise<Place> {
    const netns = netnsName(this.dataDir, this.jobId, key);
    const place: Place = { netns, netnsPath: await addNetns(netns), ip: '' };
    try {
      const [, result] = await Promise.all([this.cni('ADD', netns, 'lo'), this.cni('ADD', netns, 'eth0')]);
      const address = result?.ips[0]?.address;
      if (!address) throw new SlipwayError('CNI bridge ADD returned no IP address', { category: 'internal' });
      place.ip = address.split('/')[0]!;
      return place;
    } catch (err) {
      await this.detach(place).catch(() => {});
      throw err;
    }
  }

  /** CNI DEL of both interfaces (veth, lease), then the netns. */
  private async detach(place: Place): Promise<void> {
    await Promise.all(
      (['eth0', 'lo'] as const).map((which) =>
        this.cni('DEL', place.netns, which).catch((err) =>
          this.log.warn(
            { err, netns: place.netns },
            `CNI DEL of ${which} failed; the netns removal cleans up`,
          ),
        ),
      ),
    );
    await deleteNetns(place.netns);
  }

  /**
   * Detaches a container. Its place (netns, veth, IP) is kept for a later container of this
   * network, up to FREE_PLACES of them, else removed (CNI DEL, then the netns). Idempotent.
   */
  async removeContainer(name: string): Promise<void> {
    const entry = this.containers.get(name);
    if (!entry) return;
    this.containers.delete(name);
    const place = { netns: entry.netns, netnsPath: entry.netnsPath, ip: entry.ip };
    if (!this.destroyed && this.free.length < FREE_PLACES) this.free.push({ place, at: Date.now() });
    else await this.detach(place);
  }

  /**
   * The oldest free place, once it has been free for PLACE_QUARANTINE_MS. A place holds nothing
   * of its last container: its processes are gone and with them their sockets, and no
   * container may change a netns' addresses, routes or firewall (no CAP_NET_ADMIN, /proc/sys
   * read-only). The quarantine lets the tail of that container's traffic (packets peers sent
   * before its sockets closed) die out before another container, perhaps another job's, has
   * its IP. Reusing a place saves its making and removal: five CNI plugin runs and two `ip`.
   */
  private reusable(): Place | undefined {
    const oldest = this.free[0];
    if (!oldest || Date.now() - oldest.at < PLACE_QUARANTINE_MS) return undefined;
    this.free.shift();
    return oldest.place;
  }

  hostsEntries(): HostsEntry[] {
    return [...this.containers.values()]
      .filter((c) => c.ip !== '')
      .map((c) => ({ ip: c.ip, names: c.names }));
  }

  hostsFile(): string {
    return renderHostsFile(this.hostsEntries());
  }

  resolvConf(): Promise<string> {
    return jobResolvConf();
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const spare = await this.spare?.catch(() => undefined);
    this.spare = undefined;
    const unused = [...(spare ? [spare] : []), ...this.free.splice(0).map((f) => f.place)];
    for (const place of unused)
      await this.detach(place).catch((err) => this.log.warn({ err }, 'detach of an unused place failed'));
    for (const name of [...this.containers.keys()]) {
      await this.removeContainer(name).catch((err) =>
        this.log.warn({ err, container: name }, 'detach failed'),
      );
    }
    const errors = await teardownJob(
      this.dataDir,
      { jobId: this.jobId, bridge: this.bridge, subnet: this.subnet },
      this.log,
    );
    if (errors.length > 0) {
      throw new SlipwayError(`job network teardown incomplete (${errors.length} step(s) failed)`, {
        category: 'internal',
        context: { job: this.jobId, bridge: this.bridge },
        cause: errors[0],
      });
    }
  }
}
