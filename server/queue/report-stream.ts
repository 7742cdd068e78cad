import type { Redis } from 'ioredis';
import { execAll } from '../../lib/redis.js';
import { REPORTS_GROUP, wireKeys } from '../../pipelines/index.js';

/** One entry of the report stream: its id and its `r` field (JSON), undefined when it has none. */
export interface ReportEntry {
  id: string;
  data: string | undefined;
}

const key = wireKeys.reportStream;
type RawEntry = [string, string[] | null];

const toEntries = (raw: RawEntry[] | null | undefined): ReportEntry[] =>
  (raw ?? []).map(([id, fields]) => {
    const at = fields ? fields.indexOf('r') : -1;
    return { id, data: at >= 0 && at % 2 === 0 ? fields?.[at + 1] : undefined };
  });

/** Makes the servers' consumer group (and the stream) if missing; from the stream's start, so nothing sent before is skipped. */
export async function ensureReportGroup(redis: Redis): Promise<void> {
  try {
    await redis.xgroup('CREATE', key, REPORTS_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
  }
}

/** Entries no server was given yet, given now to `consumer`; waits up to `blockMs` for one. */
export async function readNewReports(
  reader: Redis,
  consumer: string,
  count: number,
  blockMs: number,
): Promise<ReportEntry[]> {
  const reply = (await reader.xreadgroup(
    'GROUP',
    REPORTS_GROUP,
    consumer,
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    key,
    '>',
  )) as Array<[string, RawEntry[]]> | null;
  return toEntries(reply?.[0]?.[1]);
}

/**
 * Entries given to a server `idleMs` or more ago and never acknowledged (it died, or failed to
 * apply them), taken over by `consumer`, with how often each was given out before.
 */
export async function claimStaleReports(
  redis: Redis,
  consumer: string,
  idleMs: number,
  count: number,
): Promise<Array<ReportEntry & { deliveries: number }>> {
  const rows = (await redis.xpending(key, REPORTS_GROUP, 'IDLE', idleMs, '-', '+', count)) as Array<
    [string, string, number, number]
  >;
  if (rows.length === 0) return [];
  const deliveries = new Map(rows.map(([id, , , n]) => [id, n]));
  const claimed = (await redis.xclaim(
    key,
    REPORTS_GROUP,
    consumer,
    idleMs,
    ...deliveries.keys(),
  )) as RawEntry[];
  return toEntries(claimed.filter((e) => Array.isArray(e))).map((e) => ({
    ...e,
    deliveries: deliveries.get(e.id) ?? 1,
  }));
}

/** Acknowledges applied entries and clears the pending marks of the results among them, at once. */
export async function acknowledgeReports(redis: Redis, ids: string[], finished: string[]): Promise<void> {
  if (ids.length === 0) return;
  const tx = redis.multi().xack(key, REPORTS_GROUP, ...ids);
  if (finished.length) tx.hdel(wireKeys.reportsPending, ...finished);
  await execAll(tx);
}

const streamId = (id: string): [bigint, bigint] => {
  const [ms = '0', seq = '0'] = id.split('-');
  return [BigInt(ms), BigInt(seq)];
};
const before = (a: string, b: string) => {
  const [am, as] = streamId(a);
  const [bm, bs] = streamId(b);
  return am < bm || (am === bm && as < bs);
};

/**
 * Drops the entries every server is done with: those older than both the group's last
 * delivered entry (read first) and its oldest unacknowledged one (read after), so an entry
 * delivered in between is never dropped.
 */
export async function trimAppliedReports(redis: Redis): Promise<void> {
  const groups = (await redis.xinfo('GROUPS', key)) as Array<Array<string | number>>;
  const group = groups.find((g) => g[g.indexOf('name') + 1] === REPORTS_GROUP);
  const lastDelivered = group ? String(group[group.indexOf('last-delivered-id') + 1]) : undefined;
  if (!lastDelivered || lastDelivered === '0-0') return;
  const [pending, oldest] = (await redis.xpending(key, REPORTS_GROUP)) as [number, string | null];
  const minId = pending > 0 && oldest && before(oldest, lastDelivered) ? oldest : lastDelivered;
  await redis.xtrim(key, 'MINID', minId);
}

/** Removes the group's consumers (servers gone) that hold nothing and were idle `idleMs` or more. */
export async function forgetGoneConsumers(redis: Redis, self: string, idleMs: number): Promise<void> {
  const consumers = (await redis.xinfo('CONSUMERS', key, REPORTS_GROUP)) as Array<Array<string | number>>;
  for (const c of consumers) {
    const field = (name: string) => c[c.indexOf(name) + 1];
    const name = String(field('name'));
    if (name !== self && Number(field('pending')) === 0 && Number(field('idle')) >= idleMs)
      await redis.xgroup('DELCONSUMER', key, REPORTS_GROUP, name);
  }
}
