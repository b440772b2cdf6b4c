import { STOCK_LEVELS_STREAM, startBackgroundTask, type BackgroundTask, type Logger, type Redis } from '@shopcart/kit';
import type { StockDeps } from './deps.js';
import { withStock } from './stock.js';

/**
 * Public integration point: the `stock-levels` Redis Stream.
 *
 * Key:      `${REDIS_KEY_PREFIX}stock-levels`, capped near the newest 100,000
 *           entries (XADD MAXLEN ~), so a consumer that falls further behind
 *           than that must resync from the `stockLevels` query.
 * Entry:    `sku`       the SKU, as in ProductVariant.sku
 *           `available` sellable units now, a decimal integer >= 0
 *           `version`   a decimal integer that grows with every change of
 *                       this SKU's level
 *           Each entry is the full level, not a delta; versions may be
 *           skipped when several changes are published at once.
 * Delivery: at least once. Every change is followed by an entry carrying its
 *           version or a later one, even across crashes and Redis outages (the
 *           backlog lives in MongoDB, see below). An entry may repeat, and with
 *           several inventory replicas an older version of a SKU may land after
 *           a newer one: consumers keep, per SKU, the highest version seen and
 *           ignore entries with a version at or below it.
 * Consumers: products keeps a denormalised in-stock flag for search filters
 *           and facets (a consumer group); the cart keeps the levels it has
 *           checked adds against (XREAD from the newest id, catalogCache.ts).
 *
 * How nothing is lost: the write that changes a level also increments its
 * version and flags the document (needsPublish). The publisher, right after a
 * change and every STOCK_PUBLISH_MS, appends every flagged document to the
 * stream and only then records the published version with a conditional
 * update, so a failed or interrupted publish is simply published again.
 */
export const STOCK_LEVELS_MAX_LEN = 100_000;
const PUBLISH_BATCH = 500;

export type StockPublisher = BackgroundTask & {
  /** Wakes the publisher after a change; never waits and never throws. */
  notify(): void;
};

type PublisherDeps = Pick<StockDeps, 'models' | 'locks'>;

/** Publishes one batch of the backlog; returns how many entries were appended. */
export async function publishStockLevels(deps: PublisherDeps, redis: Redis, limit = PUBLISH_BATCH): Promise<number> {
  const { Stock } = deps.models;
  const docs = await Stock.find({ needsPublish: true }, { _id: 0, sku: 1, available: 1, version: 1 }).limit(limit).lean();
  if (docs.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const doc of docs) {
    pipeline.xadd(STOCK_LEVELS_STREAM, 'MAXLEN', '~', STOCK_LEVELS_MAX_LEN, '*', 'sku', doc.sku, 'available', String(doc.available), 'version', String(doc.version));
  }
  const results = (await pipeline.exec()) ?? [];
  const appended = docs.filter((_, i) => results[i] && !results[i][0]);
  await Promise.all(
    appended.map((doc) =>
      // Conditional on the version published: a SKU changed since the read keeps its flag for the next pass.
      withStock(deps, doc.sku, () => Stock.updateOne({ sku: doc.sku, version: doc.version }, { $set: { publishedVersion: doc.version, needsPublish: false } })),
    ),
  );
  const failed = results.find((result) => result?.[0]);
  if (failed || results.length < docs.length) throw failed?.[0] ?? new Error('stock-levels stream write failed');
  return appended.length;
}

export function startStockPublisher(options: PublisherDeps & { redis: Redis; logger: Logger; intervalMs: number }): StockPublisher {
  const { redis } = options;
  const task = startBackgroundTask({
    name: 'stock-levels publisher',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      while ((await publishStockLevels(options, redis)) === PUBLISH_BATCH) {
        // A full batch: more may be waiting.
      }
    },
  });
  return { ...task, notify: () => void task.trigger() };
}
