import {
  startBackgroundTask,
  startStreamConsumer,
  type BackgroundTask,
  type KeyedLock,
  type Logger,
  type Redis,
  type StreamConsumer,
} from '@shopcart/kit';
import type { OrderRecord, OrdersModels } from './model.js';
import type { OrderEventType, OrderPlacedData, OrderStatusChangedData } from './orderEvents.js';
import { withOrder } from './orders.js';

/**
 * Public integration point: the `order-events` Redis Stream.
 *
 * Key:      `${REDIS_KEY_PREFIX}order-events`, capped near the newest 100,000
 *           entries (XADD MAXLEN ~).
 * Entry:    `id`       the event id, `<orderId>:<seq>`, unique for ever;
 *                      consumers deduplicate by it
 *           `type`     `OrderPlaced` or `OrderStatusChanged`
 *           `orderId`  the order (Order.id)
 *           `seq`      a decimal integer growing by one per event of this order
 *           `data`     the event body as JSON (orderEvents.ts):
 *             OrderPlaced         once per order, when it is CONFIRMED (paid,
 *                                 stock sold): orderId, number, customerId,
 *                                 currencyCode, subtotal, shippingTotal, total
 *                                 (decimal strings), placedAt, lines [{ variantId,
 *                                 sku, title, quantity, unitPrice, lineTotal }]
 *             OrderStatusChanged  every status change: orderId, number,
 *                                 customerId, from, to, at, note, lines
 *                                 [{ variantId, sku, quantity }]
 * Delivery: at least once. An event may repeat; consumers handle each id
 *           once (e.g. record it with the effect in one write). Per order,
 *           events are appended in seq order; a publish retried after a
 *           partial failure may append a later event again after an earlier
 *           one, so consumers that care about order keep the highest seq
 *           per order.
 * Consumers: a consumer group per purpose (startOrderEventConsumer below).
 *           orders itself runs the group `notifications`; products could
 *           run `sales-counts` to count units sold (OrderPlaced adds,
 *           OrderStatusChanged to CANCELLED subtracts).
 *
 * How nothing is lost between the order write and the publish: there are
 * no multi-document transactions on FerretDB v1, so a status change appends
 * its events to the order document itself (the outbox) in the same write and
 * flags it. The publisher appends flagged orders' events to the stream and
 * only then marks them published, so a failed or interrupted publish is
 * simply published again.
 */
export const ORDER_EVENTS_STREAM = 'order-events';
export const ORDER_EVENTS_MAX_LEN = 100_000;
const PUBLISH_BATCH = 200;

export type OrderEvent =
  | { id: string; type: 'OrderPlaced'; orderId: string; seq: number; data: OrderPlacedData }
  | { id: string; type: 'OrderStatusChanged'; orderId: string; seq: number; data: OrderStatusChangedData };

type PublisherDeps = { models: OrdersModels; locks: KeyedLock };

/** Publishes one batch of the outbox backlog; returns how many orders were fully published. */
export async function publishOrderEvents(deps: PublisherDeps, redis: Redis, limit = PUBLISH_BATCH): Promise<number> {
  const { Order } = deps.models;
  const orders = await Order.find({ outboxPending: true }, { outbox: 1, outboxSeq: 1, publishedSeq: 1 }).limit(limit).lean<OrderRecord[]>();
  if (orders.length === 0) return 0;
  const pipeline = redis.pipeline();
  const planned = orders.map((order) => {
    const entries = order.outbox.filter((entry) => entry.seq > order.publishedSeq).sort((a, b) => a.seq - b.seq);
    for (const entry of entries) {
      const orderId = String(order._id);
      pipeline.xadd(ORDER_EVENTS_STREAM, 'MAXLEN', '~', ORDER_EVENTS_MAX_LEN, '*', 'id', `${orderId}:${entry.seq}`, 'type', entry.type, 'orderId', orderId, 'seq', String(entry.seq), 'data', entry.data);
    }
    return { order, count: entries.length, upTo: entries.at(-1)?.seq ?? order.publishedSeq };
  });
  const results = (await pipeline.exec()) ?? [];
  let offset = 0;
  let published = 0;
  let failure: unknown = null;
  for (const { order, count, upTo } of planned) {
    const own = results.slice(offset, offset + count);
    offset += count;
    const failed = own.length < count ? new Error('order-events stream write failed') : own.find((result) => result[0])?.[0];
    if (failed) {
      failure = failed;
      continue;
    }
    await withOrder(deps, String(order._id), async () => {
      // Events appended since the read keep the flag (and the outbox) for the next pass.
      const cleared = await Order.updateOne({ _id: order._id, outboxSeq: upTo }, { $set: { outbox: [], publishedSeq: upTo, outboxPending: false } });
      if (cleared.matchedCount === 0) await Order.updateOne({ _id: order._id, publishedSeq: { $lt: upTo } }, { $set: { publishedSeq: upTo } });
    });
    published += 1;
  }
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return published;
}

export type EventPublisher = BackgroundTask & {
  /** Wakes the publisher after a change; never waits and never throws. */
  notify(): void;
};

export function startEventPublisher(options: PublisherDeps & { redis: Redis; logger: Logger; intervalMs: number }): EventPublisher {
  const task = startBackgroundTask({
    name: 'order-events publisher',
    intervalMs: options.intervalMs,
    logger: options.logger,
    run: async () => {
      while ((await publishOrderEvents(options, options.redis)) === PUBLISH_BATCH) {
        // A full batch: more may be waiting.
      }
    },
  });
  return { ...task, notify: () => void task.trigger() };
}

export function parseOrderEvent(fields: string[] | null): OrderEvent | null {
  if (!fields) return null;
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const id = map.get('id');
  const type = map.get('type') as OrderEventType | undefined;
  const orderId = map.get('orderId');
  const seq = Number(map.get('seq'));
  if (!id || !orderId || !Number.isSafeInteger(seq) || (type !== 'OrderPlaced' && type !== 'OrderStatusChanged')) return null;
  try {
    return { id, type, orderId, seq, data: JSON.parse(map.get('data') ?? '') } as OrderEvent;
  } catch {
    return null;
  }
}

export type OrderEventConsumer = StreamConsumer;

export interface ConsumerOptions {
  redis: Redis;
  group: string;
  logger: Logger;
  /** Must be idempotent per event id: an event is acknowledged only after it returns. */
  handle: (events: OrderEvent[]) => Promise<void>;
  consumer?: string;
  /** An event unacknowledged this long (its consumer died) is claimed by another. */
  claimIdleMs?: number;
  blockMs?: number;
}

/**
 * Reads the stream in a consumer group, so each event is handled by one
 * consumer of the group, at least once (the kit's startStreamConsumer:
 * acknowledged only after `handle` has finished, claimed by another
 * consumer after claimIdleMs when its own died).
 */
export function startOrderEventConsumer(options: ConsumerOptions): OrderEventConsumer {
  return startStreamConsumer({
    redis: options.redis,
    stream: ORDER_EVENTS_STREAM,
    group: options.group,
    logger: options.logger,
    consumer: options.consumer,
    claimIdleMs: options.claimIdleMs,
    blockMs: options.blockMs,
    parse: parseOrderEvent,
    handle: options.handle,
  });
}
