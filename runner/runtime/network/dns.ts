import { readFile } from 'node:fs/promises';

/** A name → address line of a job's /etc/hosts. */
export interface HostsEntry {
  ip: string;
  names: string[];
}

function isLoopback(ns: string): boolean {
  return ns.startsWith('127.') || ns === '::1' || ns === '0.0.0.0';
}

/**
 * Turns the host's resolv.conf into a container's: keeps `search`/`domain`/`options` and the
 * nameservers a container can reach through NAT. Loopback resolvers (systemd-resolved's
 * 127.0.0.53, a local dnsmasq) are dropped: the container cannot (and must not) reach the
 * host. Returns undefined when no usable nameserver is left.
 */
export function containerResolvConf(hostText: string): string | undefined {
  const keep: string[] = [];
  let servers = 0;
  for (const raw of hostText.split('\n')) {
    const line = raw.trim();
    const [key, value] = line.split(/\s+/);
    if (key === 'nameserver' && value && !isLoopback(value)) {
      keep.push(`nameserver ${value}`);
      servers++;
    } else if (key === 'search' || key === 'domain' || key === 'options') keep.push(line);
  }
  return servers > 0 ? `${keep.join('\n')}\n` : undefined;
}

/**
 * The resolv.conf for job containers, from the host's upstream resolvers: /etc/resolv.conf,
 * or systemd-resolved's upstream list when the former only names its local stub. Without any
 * upstream, an empty file (name resolution fails rather than reaching the host).
 */
export async function jobResolvConf(
  candidates = ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf'],
): Promise<string> {
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    const conf = text === undefined ? undefined : containerResolvConf(text);
    if (conf) return conf;
  }
  return '';
}

/** A container's /etc/hosts: localhost, then every named container of the job. */
export function renderHostsFile(entries: HostsEntry[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const e of entries) if (e.names.length > 0) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
