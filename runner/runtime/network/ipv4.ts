import { z } from 'zod';

/** An IPv4 network: `base` is the network address as an unsigned 32-bit number. */
export interface Cidr {
  base: number;
  prefix: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; undefined when malformed. */
export function parseIp(text: string): number | undefined {
  const m = OCTETS.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n` and normalises it to its network address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, bits, ...rest] = text.split('/');
  if (ip === undefined || bits === undefined || rest.length > 0 || !/^\d{1,2}$/.test(bits)) return undefined;
  const addr = parseIp(ip);
  const prefix = Number(bits);
  if (addr === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: addr - (addr % size), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** True when the two networks share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Every /`prefix` subnet of `pool`, in address order. */
export function* subnets(pool: Cidr, prefix: number): Generator<Cidr> {
  if (prefix < pool.prefix) return;
  const step = 2 ** (32 - prefix);
  for (let base = pool.base; base < pool.base + size(pool); base += step) yield { base, prefix };
}

/** The `n`th address of a network (1 = the first host address, used as the gateway). */
export function nthAddress(c: Cidr, n: number): string {
  return formatIp(c.base + n);
}

/** zod schema for a job subnet pool: an IPv4 CIDR of /8 … /24 (each job takes one /24). */
export const subnetPoolSchema = z
  .string()
  .refine((s) => parseCidr(s) !== undefined, 'must be an IPv4 CIDR such as 10.89.0.0/16')
  .refine((s) => (parseCidr(s)?.prefix ?? 0) <= 24, 'must be /24 or larger: each job takes one /24')
  .refine((s) => (parseCidr(s)?.prefix ?? 0) >= 8, 'must be /8 or smaller');

/** zod schema for an egress rule's destination: an IPv4 CIDR (`10.0.0.0/8`, `192.0.2.7/32`). */
export const cidrSchema = z
  .string()
  .refine((s) => parseCidr(s) !== undefined, 'must be an IPv4 CIDR such as 10.0.0.0/8');
