import {
  ensureConsumerGroup as ensureGroup,
  parseStockLevel,
  STOCK_LEVELS_STREAM,
  startStreamConsumer,
  streamFields,
  type Logger,
  type Redis,
  type StockLevelEntry,
  type StreamConsumer,
} from '@shopcart/kit';
import type { Types } from 'mongoose';
import type { CatalogDeps } from './deps.js';
import { fetchByIds, nextRevision, type ProductDoc } from './model.js';

/*
 * How the inStock filter and facet agree with inventory without reading its
 * database: inventory publishes every stock change to the Redis Stream
 * `stock-levels` (fields sku, available, version; at least once, versions
 * increasing per SKU). Every products replica reads it in the consumer group
 * `products`, so each event is handled by one replica, and acknowledges it
 * only after MongoDB has it: an event in flight when a replica dies stays
 * pending and is claimed by another after 30 s. A SKU's level is written
 * only when its version is newer, so repeats and reordering are harmless;
 * the product's inStock is then recomputed and its revision bumped, which
 * every replica's index picks up (catalogSync.ts).
 */

export const CONSUMER_GROUP = 'products';
const BATCH = 500;

export type StockEvent = StockLevelEntry;

export const parseStockEvent = (fields: string[] | null): StockEvent | null => (fields ? parseStockLevel(streamFields(fields)) : null);

/**
 * The `products` group on the stock-levels stream, starting at its beginning:
 * levels inventory published before products first ran are applied too
 * (stale ones are dropped by version), instead of being skipped for good.
 */
export const ensureConsumerGroup = (redis: Redis) => ensureGroup(redis, STOCK_LEVELS_STREAM, CONSUMER_GROUP);

/** Writes the newest level per SKU, then recomputes inStock for the products involved. */
export async function applyStockEvents(deps: CatalogDeps, events: StockEvent[]): Promise<void> {
  const { models } = deps;
  const latest = new Map<string, StockEvent>();
  for (const event of events) if ((latest.get(event.sku)?.version ?? 0) < event.version) latest.set(event.sku, event);
  if (latest.size === 0) return;
  await models.Sku.bulkWrite(
    [...latest.values()].map((e) => ({
      updateOne: { filter: { _id: e.sku, availableVersion: { $lt: e.version } }, update: { $set: { available: e.available, availableVersion: e.version } } },
    })),
    { ordered: false },
  );
  // Recompute even when no level changed: a redelivered event may follow a
  // crash between the level write and the product write.
  const skus = await fetchByIds(models.Sku, [...latest.keys()], { productId: 1 });
  const byProduct = new Map<string, { productId: Types.ObjectId; inStock: boolean[] }>();
  for (const doc of skus) {
    const entry = byProduct.get(String(doc.productId)) ?? { productId: doc.productId, inStock: [] };
    entry.inStock.push(latest.get(String(doc._id))!.available > 0);
    byProduct.set(String(doc.productId), entry);
  }
  for (const { productId, inStock } of byProduct.values()) await refreshInStock(deps, productId, inStock);
}

/**
 * Sets a product's inStock from its SKUs' levels. stockSeq is bumped first
 * and the write compares-and-sets on it (and on the revision), so a replica
 * that read older levels can never have the last word.
 *
 * `told` are the levels just received for some of its SKUs (in stock or
 * not). When every one agrees with the product's inStock, none can change
 * it, and the product is left as it is: a sale that leaves units on the
 * shelf costs one read here, not five commands. A level that disagrees (or a
 * redelivery after a crash left the product behind its levels) recomputes.
 * A concurrent level that does change it is handled by whoever applies it.
 */
export async function refreshInStock(deps: CatalogDeps, productId: Types.ObjectId, told: boolean[] = []): Promise<void> {
  if (told.length > 0) {
    const current = await deps.models.Product.findById(productId, { inStock: 1 }).lean<Pick<ProductDoc, 'inStock'>>();
    if (!current || told.every((inStock) => inStock === current.inStock)) return;
  }
  await recomputeInStock(deps, productId);
}

async function recomputeInStock(deps: CatalogDeps, productId: Types.ObjectId): Promise<void> {
  const { models, index } = deps;
  await models.Product.updateOne({ _id: productId }, { $inc: { stockSeq: 1 } });
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const product = await models.Product.findById(productId).lean<ProductDoc>();
    if (!product) return;
    const levels = await fetchByIds(models.Sku, product.variants.map((v) => v.sku), { available: 1 });
    const inStock = levels.some((level) => level.available > 0);
    if (inStock === product.inStock) return;
    const revision = await nextRevision(models, 'product', productId);
    const { matchedCount } = await models.Product.updateOne({ _id: productId, revision: product.revision, stockSeq: product.stockSeq }, { $set: { inStock, revision } });
    if (matchedCount === 1) {
      const updated = await models.Product.findById(productId).lean<ProductDoc>();
      if (updated) index.upsertProduct(updated);
      return;
    }
  }
  throw new Error(`inStock of product ${String(productId)} kept changing`);
}

export type AvailabilityConsumer = StreamConsumer;

/** Applies stock-level events in the `products` group (see the kit's startStreamConsumer for delivery). */
export function startAvailabilityConsumer(options: { redis: Redis; deps: CatalogDeps; logger: Logger; consumer?: string }): AvailabilityConsumer {
  return startStreamConsumer({
    redis: options.redis,
    stream: STOCK_LEVELS_STREAM,
    group: CONSUMER_GROUP,
    logger: options.logger,
    consumer: options.consumer,
    batch: BATCH,
    parse: parseStockEvent,
    handle: (events) => applyStockEvents(options.deps, events),
  });
}
