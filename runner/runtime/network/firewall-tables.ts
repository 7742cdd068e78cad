import { tryTool } from '../../../lib/proc.js';

/** `iptables -w` waits for the xtables lock: give up (SIGKILL) after 30 s. */
export const NET_TOOL = { timeoutMs: 30_000 };

export type IptablesBin = 'iptables' | 'ip6tables';

/** A host's rules as `iptables-save` prints them: per table, its `:chain` and `-A` lines in order. */
export type SavedTables = Map<string, string[]>;

/**
 * Every table's rules in one `iptables-save` (one process instead of one per rule checked or
 * listed). Undefined when the tool is missing or fails: callers fall back to per-rule commands.
 */
export async function saveTables(bin: IptablesBin): Promise<SavedTables | undefined> {
  const r = await tryTool(`${bin}-save`, [], NET_TOOL).catch(() => undefined);
  if (r?.code !== 0) return undefined;
  const tables: SavedTables = new Map();
  let current: string[] | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('*')) {
      current = [];
      tables.set(line.slice(1), current);
    } else if (line === 'COMMIT') current = undefined;
    else if (current && (line.startsWith('-A ') || line.startsWith(':'))) current.push(line);
  }
  return tables;
}

/**
 * Slipway's static part of `tables`: the lines naming one of its chains, without the per-job
 * rules (those carry a comment) and without counters, table by table. Equal fingerprints mean
 * the static rules, their order and the jumps to them are as they were.
 */
export function staticFingerprint(tables: SavedTables): string {
  const out: string[] = [];
  for (const [table, lines] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`*${table}`);
    for (const line of lines)
      if (line.includes('SLIPWAY-') && !line.includes('--comment'))
        out.push(line.replace(/ \[\d+:\d+\]$/, ''));
  }
  return out.join('\n');
}

/** Arguments that need no quoting in an iptables-restore line (ours always match). */
const PLAIN_ARG = /^[\w.:/+!,@%-]+$/;

/** One iptables-restore line of `args` (`-I CHAIN 1 …`), or undefined when an argument is not plain. */
export function restoreLine(args: readonly string[]): string | undefined {
  return args.every((a) => PLAIN_ARG.test(a)) ? args.join(' ') : undefined;
}

/**
 * Applies `lines` (per table, in order) in one `iptables-restore --noflush`: all of a table's
 * lines or none of them. Resolves false when it did not apply (a line refused, e.g. a rule to
 * delete that is already gone); the caller then goes rule by rule.
 */
export async function restoreLines(bin: IptablesBin, byTable: Map<string, string[]>): Promise<boolean> {
  const input = [...byTable]
    .filter(([, lines]) => lines.length > 0)
    .map(([table, lines]) => `*${table}\n${lines.join('\n')}\nCOMMIT\n`)
    .join('');
  if (!input) return true;
  const r = await tryTool(`${bin}-restore`, ['-w', '--noflush'], { ...NET_TOOL, input }).catch(
    () => undefined,
  );
  return r?.code === 0;
}
