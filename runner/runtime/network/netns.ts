import { SlipwayError } from '../../../lib/errors.js';
import { runTool, tryTool } from '../../../lib/proc.js';

/** An `ip` call that hangs is SIGKILLed after 30 s. */
const NET_TOOL = { timeoutMs: 30_000 };

/**
 * Named network namespaces via iproute2: `ip netns add` creates /run/netns/<name> (a bind
 * mount of a fresh namespace) that runc can join by path; `ip netns del` unmounts it, and the
 * kernel frees the namespace (and the container end of its veth, which takes the host end with
 * it) once no process is left inside.
 */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export async function addNetns(name: string): Promise<string> {
  await runTool('ip', ['netns', 'add', name], NET_TOOL);
  return netnsPath(name);
}

/** Deletes a named netns; idempotent. */
export async function deleteNetns(name: string): Promise<void> {
  const r = await tryTool('ip', ['netns', 'del', name], NET_TOOL);
  if (r.code !== 0 && !/No such file|Cannot remove namespace file/.test(r.stderr)) {
    throw new SlipwayError(`cannot delete netns ${name}: ${r.stderr.trim()}`, { category: 'internal' });
  }
}

/** Names of all named network namespaces on the host. */
export async function listNetns(): Promise<string[]> {
  const out = await runTool('ip', ['netns', 'list'], NET_TOOL);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}
