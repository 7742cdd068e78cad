import type { Redis } from '../../lib/redis.js';
import { logEntriesFrom } from '../../pipelines/index.js';
import { decodeStored } from '../../server/store/index.js';

/**
 * Every value held in a Redis, one entry per key: strings, hash fields and values, list, set
 * and sorted-set members, stream entries (a log entry's lines decompressed), records
 * decompressed, joined as text. For "this value is in no key" checks.
 */
export async function allRedisValues(redis: Redis): Promise<Array<{ key: string; value: string }>> {
  const out: Array<{ key: string; value: string }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) out.push({ key, value: await keyText(redis, key) });
  } while (cursor !== '0');
  return out;
}

async function keyText(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  switch (type) {
    case 'string': {
      // Records are stored compressed: decoded, so a compressed record cannot hide a value.
      const raw = await redis.getBuffer(key);
      if (!raw) return '';
      try {
        return decodeStored(raw);
      } catch {
        return raw.toString();
      }
    }
    case 'hash':
      return Object.entries(await redis.hgetall(key))
        .flat()
        .join('\n');
    case 'list':
      return (await redis.lrange(key, 0, -1)).join('\n');
    case 'set':
      return (await redis.smembers(key)).join('\n');
    case 'zset':
      return (await redis.zrange(key, '0', '-1')).join('\n');
    case 'stream':
      // Log entries decompressed too: a compressed text must not hide a value.
      return (await redis.xrangeBuffer(key, '-', '+'))
        .map(([id, fields]) => {
          const lines = logEntriesFrom(id.toString(), fields);
          return JSON.stringify([id.toString(), fields.map((f) => f.toString()), lines?.map((l) => l.text)]);
        })
        .join('\n');
    default:
      return '';
  }
}
