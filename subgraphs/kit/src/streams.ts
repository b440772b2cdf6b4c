import { hostname } from 'node:os';
import type { Logger } from './logger.js';
import { waitForRedis, type Redis } from './redis.js';

/**
 * Streams one service publishes and others read, named once here. Their
 * entry formats are documented where they are published: stock-levels in
 * inventory's events.ts, catalog-changes in products' catalogChanges.ts.
 */
export const STOCK_LEVELS_STREAM = 'stock-levels';
export const CATALOG_CHANGES_STREAM = 'catalog-changes';

/** One stock-levels entry (format in inventory's events.ts). */
export interface StockLevelEntry {
  sku: string;
  available: number;
  version: number;
}

/** A stock-levels entry's fields, or null when they are not a valid entry (versions start at 1). */
export function parseStockLevel(fields: Map<string, string>): StockLevelEntry | null {
  const sku = fields.get('sku');
  const available = Number(fields.get('available'));
  const version = Number(fields.get('version'));
  if (!sku || !Number.isSafeInteger(available) || !Number.isSafeInteger(version) || version < 1) return null;
  return { sku, available: Math.max(0, available), version };
}

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
  const reader = redis.duplicate({ connectionName: `${stream}-${group}`, commandTimeout: blockMs + 5_000, enableAutoPipelining: false });
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

/** Stream ids are "ms-seq"; compared as numbers, not strings. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/** An entry's field list as a map. */
export function streamFields(fields: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  return map;
}

export interface StreamFollower {
  /** Resolves after the first reset: from then on every entry is applied. */
  loaded: Promise<void>;
  /** Whether everything published up to about one block ago has been applied (false while catching up on a backlog). */
  isCurrent(): boolean;
  stop(): Promise<void>;
}

export interface StreamFollowerOptions {
  redis: Redis;
  streams: readonly string[];
  /** Names the reader's connection and its log lines. */
  name: string;
  logger: Logger;
  /**
   * Runs at start and whenever entries may have been missed (a failed read,
   * entries trimmed before they were read): the reader must bring its state
   * up to date by other means, or drop it. Entries after the newest id seen
   * just before this call are applied afterwards.
   */
  reset: () => Promise<void>;
  apply: (stream: string, fields: Map<string, string>) => void;
  blockMs?: number;
  batch?: number;
}

/**
 * Follows streams with XREAD from the last id seen, without a consumer
 * group: every replica of the reader needs every entry (caches kept in step
 * with another service's changes). Readers order entries by versions they
 * carry, so the overlap between a reset and the entries after it is
 * harmless. The follower is not current while a read came back full (a
 * backlog is waiting) or when the streams cannot be read for a block plus
 * 2 s; after a failed read it resets once reads work again. A reader that
 * checks isCurrent() therefore never answers from state older than that.
 */
export function startStreamFollower(options: StreamFollowerOptions): StreamFollower {
  const { redis, streams, name, logger } = options;
  const blockMs = options.blockMs ?? 1_000;
  const batch = options.batch ?? 1_000;
  const followTimeoutMs = blockMs + 2_000;
  const reader = redis.duplicate({ connectionName: `${name}-${hostname()}-${process.pid}`, commandTimeout: blockMs + 5_000, enableAutoPipelining: false });
  reader.on('error', (err: Error) => logger.warn({ err: err.message, follower: name }, 'stream follower error'));
  const lastIds = new Map(streams.map((stream) => [stream, '0-0']));
  const prefix = redis.options.keyPrefix ?? '';
  let stopped = false;
  let current = false;
  let lastHeard = 0;
  /** Streams whose last read came back full: entries are waiting. */
  let behind: string[] = [];
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  let markStopped: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (markStopped = resolve));

  async function reset(): Promise<void> {
    current = false;
    for (const stream of streams) {
      const newest = (await reader.xrevrange(stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      lastIds.set(stream, newest[0]?.[0] ?? '0-0');
    }
    await options.reset();
    current = true;
    lastHeard = Date.now();
  }

  /** Streams are capped: entries past our position may have been trimmed unread. */
  async function missedEntries(stream: string): Promise<boolean> {
    const oldest = (await reader.xrange(stream, '-', '+', 'COUNT', 1)) as Array<[string, string[]]>;
    const lastId = lastIds.get(stream)!;
    return oldest.length > 0 && lastId !== '0-0' && compareStreamIds(oldest[0]![0], lastId) > 0;
  }

  const loop = (async () => {
    let needsReset = true;
    while (!stopped) {
      try {
        // stop() must not wait out a Redis that is away.
        if (reader.status !== 'ready') await Promise.race([waitForRedis(reader), stopping]);
        if (stopped) break;
        let missed = false;
        for (const stream of behind) if (await missedEntries(stream)) missed = true;
        if (needsReset || missed) {
          await reset();
          needsReset = false;
          markLoaded();
        }
        const reply = (await reader.xread('COUNT', batch, 'BLOCK', blockMs, 'STREAMS', ...streams, ...streams.map((s) => lastIds.get(s)!))) as Array<
          [string, Array<[string, string[]]>]
        > | null;
        lastHeard = Date.now();
        behind = [];
        for (const [key, entries] of reply ?? []) {
          // XREAD answers with the key as stored, keyPrefix included.
          const stream = streams.find((s) => key === `${prefix}${s}`);
          if (!stream) continue;
          for (const [id, fields] of entries) {
            lastIds.set(stream, id);
            options.apply(stream, streamFields(fields));
          }
          if (entries.length === batch) behind.push(stream);
        }
      } catch (err) {
        if (stopped) break;
        // Redis may have been flushed or restarted meanwhile: the stream's ids say nothing about what was missed.
        needsReset = true;
        current = false;
        logger.warn({ err: err instanceof Error ? err.message : String(err), follower: name }, 'following streams failed; resetting');
        await Promise.race([new Promise((resolve) => setTimeout(resolve, 1_000).unref()), stopping]);
      }
    }
  })();

  return {
    loaded,
    isCurrent: () => current && behind.length === 0 && Date.now() - lastHeard < followTimeoutMs,
    async stop() {
      stopped = true;
      current = false;
      markStopped();
      reader.disconnect();
      await loop;
    },
  };
}
