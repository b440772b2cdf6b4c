import { parseStockLevel, STOCK_LEVELS_STREAM, startStreamFollower, type Logger, type Redis, type StreamFollower } from '@shopcart/kit';
import type { StockLevelCache } from './levelCache.js';
import type { InventoryModels } from './model.js';

/*
 * Keeps a replica's level cache current with every replica's writes by
 * following inventory's own stock-levels stream (events.ts) from the last id
 * it saw (the kit's stream follower: every replica needs every event). Start
 * and every recovery go the same way: note the stream's newest id, load
 * every level from MongoDB, then follow from that id; the versions make the
 * overlap harmless.
 *
 * Staleness: another replica's write is published at once (its publisher is
 * woken by the write, STOCK_PUBLISH_MS at worst) and read here within one
 * round trip. When the stream cannot be read for a few seconds the cache
 * stops answering (reads go to MongoDB) until a reload has caught up, so a
 * Redis outage never serves levels older than that.
 */
export type LevelFeed = Pick<StreamFollower, 'loaded' | 'stop'>;

export function startLevelFeed(options: { models: InventoryModels; redis: Redis; cache: StockLevelCache; logger: Logger }): LevelFeed {
  const { models, redis, cache, logger } = options;
  const follower = startStreamFollower({
    redis,
    streams: [STOCK_LEVELS_STREAM],
    name: 'inventory-levels',
    logger,
    async reset() {
      const started = Date.now();
      let count = 0;
      for await (const doc of models.Stock.find({}, { _id: 0, sku: 1, available: 1, version: 1 })
        .comment('scan: the level cache loads every level at start and after a gap in the stream')
        .lean()
        .cursor({ batchSize: 5_000 })) {
        cache.apply(doc.sku, doc.available, doc.version);
        count += 1;
      }
      logger.info({ levels: count, ms: Date.now() - started }, 'stock levels loaded');
    },
    apply(_stream, fields) {
      const level = parseStockLevel(fields);
      if (level) cache.apply(level.sku, level.available, level.version);
    },
  });
  cache.followedBy(follower.isCurrent);
  return follower;
}
