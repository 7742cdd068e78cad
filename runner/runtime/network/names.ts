import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Cidr } from './ipv4.js';

/**
 * Naming scheme of everything Slipway creates in the host's network stack. Names are
 * deterministic so garbage collection can find leftovers of a crashed run by scanning:
 * - netns:  `slipway-<dataDirTag>-<jobTag>-<containerTag>` (in /run/netns)
 * - bridge: `slw` + the job's /24 in hex (`slw0a5903` is 10.89.3.0/24). Creating the link is the
 *   host-wide atomic claim on that subnet; its ifalias `slipway:<dataDirTag>:<jobTag>` names the owner.
 * - iptables rules: comment `slipway:<dataDirTag>:<jobTag>`.
 * `dataDirTag` scopes everything to one runner's data dir, so two runners (or two test files)
 * on one host never collect each other's networks.
 */
export const BRIDGE_PREFIX = 'slw';
export const NETNS_PREFIX = 'slipway-';

function tag(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export function dataDirTag(dataDir: string): string {
  return tag(resolve(dataDir), 8);
}

export function jobTag(jobId: string): string {
  return tag(jobId, 10);
}

/** Owner label used as the bridge ifalias and iptables comment. */
export function ownerLabel(dataDir: string, jobId: string): string {
  return `slipway:${dataDirTag(dataDir)}:${jobTag(jobId)}`;
}

/** Prefix shared by every owner label of one data dir. */
export function dataDirOwnerPrefix(dataDir: string): string {
  return `slipway:${dataDirTag(dataDir)}:`;
}

export function jobNetnsPrefix(dataDir: string, jobId: string): string {
  return `${NETNS_PREFIX}${dataDirTag(dataDir)}-${jobTag(jobId)}-`;
}

export function dataDirNetnsPrefix(dataDir: string): string {
  return `${NETNS_PREFIX}${dataDirTag(dataDir)}-`;
}

export function netnsName(dataDir: string, jobId: string, containerName: string): string {
  return `${jobNetnsPrefix(dataDir, jobId)}${tag(containerName, 8)}`;
}

/** The bridge of a job /24: 9 characters, under the kernel's 15-character limit. */
export function bridgeName(subnet: Cidr): string {
  return `${BRIDGE_PREFIX}${Math.floor(subnet.base / 256)
    .toString(16)
    .padStart(6, '0')}`;
}

/** The CNI network name of a job (also the host-local lease directory name). */
export function cniNetworkName(dataDir: string, jobId: string): string {
  return `slipway-${dataDirTag(dataDir)}-${jobTag(jobId)}`;
}
