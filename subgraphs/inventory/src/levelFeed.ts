import { hostname } from 'node:os';
import { waitForRedis, type Logger, type Redis } from '@shopcart/kit';
import { STOCK_LEVELS_STREAM } from './events.js';
import type { StockLevelCache } from './levelCache.js';
import type { InventoryModels } from './model.js';

/*
 * Keeps a replica's level cache current with every replica's writes by
 * following inventory's own stock-levels stream (events.ts): each replica
 * reads all of it with XREAD from the last id it saw (no consumer group:
 * every replica needs every event). Start and every recovery go the same
 * way: note the stream's newest id, load every level from MongoDB, then
 * follow from that id; the versions make the overlap harmless.
 *
 * Staleness: another replica's write is published at once (its publisher is
 * woken by the write, STOCK_PUBLISH_MS at worst) and read here within one
 * round trip. When the stream cannot be read for FOLLOW_TIMEOUT_MS the cache
 * stops answering (reads go to MongoDB) until a reload has caught up, so a
 * Redis outage never serves levels older than that.
 */
const BLOCK_MS = 1_000;
const BATCH = 1_000;
export const FOLLOW_TIMEOUT_MS = BLOCK_MS + 2_000;

export interface LevelFeed {
  /** Resolves once every level is in the cache. */
  loaded: Promise<void>;
  stop(): Promise<void>;
}

/** Stream ids are "ms-seq"; compared as numbers, not strings. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

type StreamEntry = [id: string, fields: string[]];

export function startLevelFeed(options: { models: InventoryModels; redis: Redis; cache: StockLevelCache; logger: Logger }): LevelFeed {
  const { models, redis, cache, logger } = options;
  const reader = redis.duplicate({ connectionName: `inventory-levels-${hostname()}-${process.pid}`, commandTimeout: BLOCK_MS + 5_000 });
  reader.on('error', (err: Error) => logger.warn({ err: err.message }, 'stock-levels follower error'));
  let stopped = false;
  let current = false;
  let lastHeard = 0;
  let lastId = '0-0';
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  cache.followedBy(() => current && Date.now() - lastHeard < FOLLOW_TIMEOUT_MS);

  async function reload(): Promise<void> {
    const started = Date.now();
    const newest = (await reader.xrevrange(STOCK_LEVELS_STREAM, '+', '-', 'COUNT', 1)) as StreamEntry[];
    lastId = newest[0]?.[0] ?? '0-0';
    let count = 0;
    for await (const doc of models.Stock.find({}, { _id: 0, sku: 1, available: 1, version: 1 }).lean().cursor({ batchSize: 5_000 })) {
      cache.apply(doc.sku, doc.available, doc.version);
      count += 1;
    }
    current = true;
    lastHeard = Date.now();
    logger.info({ levels: count, ms: Date.now() - started }, 'stock levels loaded');
  }

  /** The stream is capped: entries past our position may have been trimmed unread. */
  async function missedEntries(): Promise<boolean> {
    const oldest = (await reader.xrange(STOCK_LEVELS_STREAM, '-', '+', 'COUNT', 1)) as StreamEntry[];
    return oldest.length > 0 && lastId !== '0-0' && compareIds(oldest[0]![0], lastId) > 0;
  }

  function apply(entries: StreamEntry[]): void {
    for (const [id, fields] of entries) {
      lastId = id;
      const map = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
      const sku = map.get('sku');
      const available = Number(map.get('available'));
      const version = Number(map.get('version'));
      if (sku && Number.isSafeInteger(available) && Number.isSafeInteger(version)) cache.apply(sku, available, version);
    }
  }

  const loop = (async () => {
    let needsReload = true;
    let full = false;
    while (!stopped) {
      try {
        if (reader.status !== 'ready') await waitForRedis(reader);
        if (needsReload || (full && (await missedEntries()))) {
          await reload();
          needsReload = false;
          markLoaded();
        }
        const reply = (await reader.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', STOCK_LEVELS_STREAM, lastId)) as Array<[string, StreamEntry[]]> | null;
        lastHeard = Date.now();
        const entries = reply?.[0]?.[1] ?? [];
        apply(entries);
        full = entries.length === BATCH;
      } catch (err) {
        if (stopped) break;
        // Redis may have been flushed or restarted meanwhile: the stream's ids say nothing about what was missed.
        needsReload = true;
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'following stock levels failed; reloading');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  })();

  return {
    loaded,
    async stop() {
      stopped = true;
      current = false;
      reader.disconnect();
      await loop;
    },
  };
}
