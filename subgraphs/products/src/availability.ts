import { hostname } from 'node:os';
import { waitForRedis, type Logger, type Redis } from '@shopcart/kit';
import type { Types } from 'mongoose';
import type { CatalogDeps } from './catalog.js';
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

export const STOCK_STREAM = 'stock-levels';
export const CONSUMER_GROUP = 'products';
const BLOCK_MS = 1_000;
const BATCH = 500;
const CLAIM_IDLE_MS = 30_000;

export interface StockEvent {
  sku: string;
  available: number;
  version: number;
}

type StreamEntry = [id: string, fields: string[] | null];

export function parseStockEvent(fields: string[] | null): StockEvent | null {
  if (!fields) return null;
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const sku = map.get('sku');
  const available = Number(map.get('available'));
  const version = Number(map.get('version'));
  if (!sku || !Number.isSafeInteger(available) || !Number.isSafeInteger(version) || version < 1) return null;
  return { sku, available: Math.max(0, available), version };
}

/**
 * ioredis adds its keyPrefix to the keys of XREADGROUP, XACK, XAUTOCLAIM and
 * XADD, but not to XGROUP's: its command table lists no key position for
 * XGROUP. So the prefix is added here by hand (test/availability.test.ts
 * checks both). The group starts at the beginning of the stream, not at `$`:
 * levels inventory published before products first ran are applied too
 * (stale ones are dropped by version), instead of being skipped for good.
 */
export async function ensureConsumerGroup(redis: Redis): Promise<void> {
  try {
    await redis.xgroup('CREATE', `${redis.options.keyPrefix ?? ''}${STOCK_STREAM}`, CONSUMER_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
  }
}

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
  const productIds = new Map(skus.map((doc) => [String(doc.productId), doc.productId]));
  for (const productId of productIds.values()) await refreshInStock(deps, productId);
}

/**
 * Sets a product's inStock from its SKUs' levels. stockSeq is bumped first
 * and the write compares-and-sets on it (and on the revision), so a replica
 * that read older levels can never have the last word.
 */
export async function refreshInStock(deps: CatalogDeps, productId: Types.ObjectId): Promise<void> {
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

export interface AvailabilityConsumer {
  stop(): Promise<void>;
}

/**
 * Reads the stream on a connection of its own: a blocking XREADGROUP holds
 * its connection for up to BLOCK_MS, and its command timeout must be longer
 * than that.
 */
export function startAvailabilityConsumer(options: { redis: Redis; deps: CatalogDeps; logger: Logger; consumer?: string }): AvailabilityConsumer {
  const { redis, deps, logger } = options;
  const consumer = options.consumer ?? `${hostname()}-${process.pid}`;
  const reader = redis.duplicate({ connectionName: 'products-stock-levels', commandTimeout: BLOCK_MS + 5_000 });
  reader.on('error', (err: Error) => logger.warn({ err: err.message }, 'stock-levels reader error'));
  let stopped = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  async function handle(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const events = entries.map(([, fields]) => parseStockEvent(fields)).filter((e): e is StockEvent => e !== null);
    if (events.length < entries.length) logger.warn({ count: entries.length - events.length }, 'malformed stock-level events skipped');
    await applyStockEvents(deps, events);
    await redis.xack(STOCK_STREAM, CONSUMER_GROUP, ...entries.map(([id]) => id));
  }

  async function claimStale(): Promise<void> {
    let start = '0-0';
    do {
      const [next, entries] = (await redis.xautoclaim(STOCK_STREAM, CONSUMER_GROUP, consumer, CLAIM_IDLE_MS, start, 'COUNT', BATCH)) as [string, StreamEntry[]];
      await handle(entries);
      start = next;
    } while (start !== '0-0' && !stopped);
  }

  const loop = (async () => {
    let lastClaim = 0;
    while (!stopped) {
      try {
        if (reader.status !== 'ready') await waitForRedis(reader);
        if (Date.now() - lastClaim >= CLAIM_IDLE_MS) {
          await ensureConsumerGroup(redis);
          // Events another replica (or an earlier failure here) left unacknowledged.
          await claimStale();
          lastClaim = Date.now();
        }
        const reply = (await reader.xreadgroup('GROUP', CONSUMER_GROUP, consumer, 'COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', STOCK_STREAM, '>')) as Array<[string, StreamEntry[]]> | null;
        for (const [, entries] of reply ?? []) await handle(entries);
      } catch (err) {
        if (stopped) break;
        const message = err instanceof Error ? err.message : String(err);
        // The group vanished (Redis flushed): create it again on the next turn.
        if (message.includes('NOGROUP')) lastClaim = 0;
        logger.warn({ err: message }, 'stock-levels consumer failed; retrying');
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
