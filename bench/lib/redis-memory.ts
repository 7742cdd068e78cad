import type { Redis } from 'ioredis';

/** Keys of one kind: the key with its ids and numbers replaced, how many, their MEMORY USAGE. */
export interface KeyKind {
  kind: string;
  keys: number;
  bytes: number;
}

/** Every key of `redis` grouped by kind (run and job ids, numbers and hashes masked), the largest first. */
export async function redisMemoryByKind(redis: Redis): Promise<KeyKind[]> {
  const kinds = new Map<string, KeyKind>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const kind = key
        .replace(/(?<=[:-])[0-9a-f]{10,64}(?=$|:)/g, '<hex>')
        .replace(/(?<=:)[a-z0-9]{4,32}-\d{1,4}(?=$|[.:])/g, '<job>')
        .replace(/(?<=:run:)[a-z0-9]{4,32}$/, '<run>')
        .replace(/(?<=\.)\d+(?=\.|$)/g, 'N');
      const bytes = Number(await redis.memory('USAGE', key)) || 0;
      const k = kinds.get(kind) ?? { kind, keys: 0, bytes: 0 };
      k.keys++;
      k.bytes += bytes;
      kinds.set(kind, k);
    }
  } while (cursor !== '0');
  return [...kinds.values()].sort((a, b) => b.bytes - a.bytes);
}
