import { isDuplicateKey, type Logger, type Redis } from '@shopcart/kit';
import { mongo } from 'mongoose';
import { startOrderEventConsumer, type OrderEvent, type OrderEventConsumer } from './events.js';
import type { OrdersModels } from './model.js';

export const NOTIFICATIONS_GROUP = 'notifications';
/** Kept for the customer's message history, then swept (no TTL indexes on FerretDB v1). */
export const NOTIFICATION_RETENTION_MS = 90 * 86_400_000;

/**
 * The built-in consumer of the order-events stream: one customer
 * notification per event (what a mailer or push sender picks up). The event
 * id is the notification's _id, so a redelivered event inserts nothing.
 */
export async function recordNotifications(models: OrdersModels, events: readonly OrderEvent[]): Promise<number> {
  const now = new Date();
  // Straight to the driver (one round trip), so the timestamps are set here.
  const docs = events.map((event) => ({
    _id: event.id,
    customerId: event.data.customerId,
    orderId: event.orderId,
    number: event.data.number,
    type: event.type,
    status: event.type === 'OrderPlaced' ? 'CONFIRMED' : event.data.to,
    createdAt: now,
    updatedAt: now,
  }));
  if (docs.length === 0) return 0;
  try {
    return (await models.Notification.collection.insertMany(docs as unknown as mongo.OptionalId<mongo.Document>[], { ordered: false })).insertedCount;
  } catch (err) {
    const duplicatesOnly = err instanceof mongo.MongoBulkWriteError && isDuplicateKey(err);
    if (!duplicatesOnly) throw err;
    return err.result.insertedCount;
  }
}

export function startNotificationConsumer(options: { models: OrdersModels; redis: Redis; logger: Logger }): OrderEventConsumer {
  return startOrderEventConsumer({
    redis: options.redis,
    group: NOTIFICATIONS_GROUP,
    logger: options.logger,
    handle: async (events) => {
      await recordNotifications(options.models, events);
    },
  });
}

export async function sweepNotifications(models: OrdersModels, now = new Date()): Promise<number> {
  const comment = 'scan: a sweep past retention; FerretDB v1 pushes no range down and has no TTL index (MongoDB uses the createdAt index)';
  return (await models.Notification.deleteMany({ createdAt: { $lt: new Date(now.getTime() - NOTIFICATION_RETENTION_MS) } }, { comment })).deletedCount;
}
