/**
 * Per-job container networking (see job-network.ts for the lifecycle and README.md for the
 * design): CNI bridge + host-local + loopback invoked directly, iptables isolation, GC.
 */

export { type HostsEntry, renderHostsFile } from './dns.js';
export { type EgressPolicy, LINK_LOCAL } from './firewall.js';
export { gcJobNetwork, gcNetworks, type NetworkGcReport } from './gc.js';
export {
  type ContainerNetwork,
  createJobNetwork,
  DEFAULT_SUBNET_POOL,
  type JobNetwork,
} from './job-network.js';
