import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { SlipwayError } from '../../../lib/errors.js';
import { guardedAgent, type RequestGuard } from './http.js';

/**
 * Which registries on host-only addresses a client may contact: `'any'` (the operator's own
 * commands: `slipway pull 127.0.0.1:5000/x` means what it says), or the registry hosts
 * (`host` or `host:port`) allowed although they are on loopback, link-local or unspecified
 * addresses. Job images come from pipelines anyone can push, so a runner host allows none by
 * default: `image: 127.0.0.1:6379/x` must not make the runner talk to a host-local service.
 */
export type HostOnlyPolicy = 'any' | readonly string[];

/** Loopback (127/8, ::1), link-local (169.254/16, fe80::/10), unspecified (0.0.0.0, ::), v4-mapped too. */
export function isHostOnlyAddress(ip: string): boolean {
  const a = ip.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  if (isIP(a) === 4) return /^(127\.|169\.254\.|0\.)/.test(a);
  return a === '::1' || a === '::' || /^fe[89ab][0-9a-f]:/.test(a);
}

function allowedNames(policy: readonly string[]): Set<string> {
  return new Set(policy.map((h) => h.replace(/^\[|\](:\d+)?$|:\d+$/g, '').toLowerCase()));
}

/** Refuses a URL whose host is a host-only IP literal the policy does not allow (names: see `guardedLookup`). */
export function refuseHostOnlyLiteral(url: URL, policy: HostOnlyPolicy, registry: string): void {
  if (policy === 'any') return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isHostOnlyAddress(host) && !allowedNames(policy).has(host))
    throw hostOnlyError(registry, host);
}

export function hostOnlyError(registry: string, address: string): SlipwayError {
  return new SlipwayError(
    `registry ${registry} is on a host-only address (${address}); a runner contacts loopback and link-local registries only when configured to (--allow-registry ${registry})`,
    { category: 'permanent', context: { registry, address } },
  );
}

/**
 * A `dns.lookup` for the sockets of a restricted client: a name that resolves to a host-only
 * address fails the connection unless the policy names it. Checked at connect time, so a name
 * that resolves differently later (DNS rebinding) is caught too.
 */
export function guardedLookup(policy: readonly string[]): LookupFunction {
  const allowed = allowedNames(policy);
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((a) => isHostOnlyAddress(a.address));
      if (bad && !allowed.has(hostname.toLowerCase()))
        return callback(hostOnlyError(hostname, bad.address) as NodeJS.ErrnoException, []);
      if (options.all) return callback(null, list);
      const first = list[0];
      return first
        ? callback(null, first.address, first.family)
        : callback(new Error(`no address for ${hostname}`), []);
    });
  };
}

/** The guard of a client under `policy`; undefined when it may contact any registry. */
export function requestGuard(policy: HostOnlyPolicy, registry: string): RequestGuard | undefined {
  if (policy === 'any') return undefined;
  const dispatcher = guardedAgent(guardedLookup(policy));
  return { dispatcher, check: (url) => refuseHostOnlyLiteral(url, policy, registry) };
}
