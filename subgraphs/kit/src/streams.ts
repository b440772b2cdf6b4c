import { hostname } from 'node:os';
import type { Logger } from './logger.js';
import { waitForRedis, type Redis } from './redis.js';

/** An entry as XREADGROUP and XAUTOCLAIM return it (fields null when the entry was trimmed). */
type StreamEntry = [id: string, fields: string[] | null];

/**
 * Creates a consumer group, once. ioredis adds its keyPrefix to the keys of
 * XREADGROUP, XACK, XAUTOCLAIM and XADD, but not to XGROUP's (its command
 * table lists no key position for XGROUP), so the prefix is added here by
 * hand. The group starts at the beginning of the stream, not at `$`: events
 * published before the group existed are handled too.
 */
export async function ensureConsumerGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', `${redis.options.keyPrefix ?? ''}${stream}`, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
  }
}

export interface StreamConsumer {
  stop(): Promise<void>;
}

export interface StreamConsumerOptions<E> {
  redis: Redis;
  stream: string;
  group: string;
  logger: Logger;
  /** null for an entry that is not a valid event (it is logged, acknowledged and skipped). */
  parse: (fields: string[] | null) => E | null;
  /** Must be idempotent per event: an entry is acknowledged only after it returns. */
  handle: (events: E[]) => Promise<void>;
  consumer?: string;
  batch?: number;
  blockMs?: number;
  /** An entry unacknowledged this long (its consumer died) is claimed by another. */
  claimIdleMs?: number;
}

/**
 * Reads a stream in a consumer group, so each event is handled by one
 * consumer of the group, at least once: an entry is acknowledged only after
 * `handle` has finished, and one left pending by a consumer that died is
 * claimed by another after claimIdleMs. Reads on a connection of its own,
 * since a blocking XREADGROUP holds its connection (and its command timeout
 * must outlast the block). A failure is logged and retried a second later;
 * a group that vanished (Redis flushed) is created again.
 */
export function startStreamConsumer<E>(options: StreamConsumerOptions<E>): StreamConsumer {
  const { redis, stream, group, logger } = options;
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  const batch = options.batch ?? 100;
  const blockMs = options.blockMs ?? 1_000;
  const claimIdleMs = options.claimIdleMs ?? 30_000;
  const reader = redis.duplicate({ connectionName: `${stream}-${group}`, commandTimeout: blockMs + 5_000 });
  reader.on('error', (err: Error) => logger.warn({ err: err.message, stream }, 'stream reader error'));
  let stopped = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function handle(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const events = entries.map(([, fields]) => options.parse(fields)).filter((event): event is E => event !== null);
    if (events.length < entries.length) logger.warn({ count: entries.length - events.length, stream }, 'malformed stream entries skipped');
    if (events.length > 0) await options.handle(events);
    await redis.xack(stream, group, ...entries.map(([id]) => id));
  }

  async function claimStale(): Promise<void> {
    let start = '0-0';
    do {
      const [next, entries] = (await redis.xautoclaim(stream, group, consumer, claimIdleMs, start, 'COUNT', batch)) as [string, StreamEntry[]];
      await handle(entries);
      start = next;
    } while (start !== '0-0' && !stopped);
  }

  const loop = (async () => {
    let lastClaim = 0;
    while (!stopped) {
      try {
        if (reader.status !== 'ready') await waitForRedis(reader);
        if (Date.now() - lastClaim >= Math.min(claimIdleMs, 30_000)) {
          await ensureConsumerGroup(redis, stream, group);
          // Entries another consumer (or an earlier failure here) left unacknowledged.
          await claimStale();
          lastClaim = Date.now();
        }
        const reply = (await reader.xreadgroup('GROUP', group, consumer, 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', stream, '>')) as Array<[string, StreamEntry[]]> | null;
        for (const [, entries] of reply ?? []) await handle(entries);
      } catch (err) {
        if (stopped) break;
        const message = err instanceof Error ? err.message : String(err);
        if (message.includes('NOGROUP')) lastClaim = 0;
        logger.warn({ err: message, stream, group }, 'stream consumer failed; retrying');
        await pause(1_000);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      reader.disconnect();
      await loop;
    },
  };
}
