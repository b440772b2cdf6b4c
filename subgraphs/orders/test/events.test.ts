import { connectRedis, createLogger, type Redis } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_EVENTS_STREAM, publishOrderEvents, startOrderEventConsumer, type OrderEvent } from '../src/events.js';
import { recordNotifications } from '../src/notifications.js';
import { UPDATE_STATUS, eventually, startOrdersPlatform, type Customer, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;
let redis: Redis;
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  p = await startOrdersPlatform({ EVENTS_PUBLISH_MS: '3600000' });
  redis = connectRedis(p.platform.env.REDIS_URL!, logger, 'orders-events-test', p.platform.env.REDIS_KEY_PREFIX);
});
afterAll(async () => {
  redis?.disconnect();
  await p?.stop();
});

async function placed(buyer: Customer, quantity = 1, price = '12.50') {
  const tee = await p.variant(price, 10);
  await buyer.add(tee.id, quantity);
  const r = await buyer.checkout();
  if (r.data?.checkout?.order?.status !== 'CONFIRMED') throw new Error(`checkout failed: ${JSON.stringify(r.body)}`);
  return { id: r.data.checkout.order.id as string, number: r.data.checkout.order.number as string, sku: tee.sku };
}

/** The stream's entries of one order, as field maps. */
async function streamOf(orderId: string): Promise<Array<Record<string, string>>> {
  const entries = (await redis.xrange(ORDER_EVENTS_STREAM, '-', '+')) as Array<[string, string[]]>;
  return entries
    .map(([, fields]) => Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!])))
    .filter((entry) => entry.orderId === orderId);
}

describe('the order-events stream', () => {
  it('carries OrderPlaced and every status change once each, from the outbox in the order document', async () => {
    const buyer = await p.customer('events');
    const order = await placed(buyer, 2);
    await p.admin(UPDATE_STATUS, { id: order.id, status: 'PACKED', note: 'Boxed' });
    await p.service.publisher.trigger();
    await p.service.publisher.trigger();
    const events = await streamOf(order.id);
    expect(events.map((e) => [e.type, e.seq, e.id])).toEqual([
      ['OrderStatusChanged', '1', `${order.id}:1`],
      ['OrderPlaced', '2', `${order.id}:2`],
      ['OrderStatusChanged', '3', `${order.id}:3`],
    ]);
    expect(JSON.parse(events[0]!.data!)).toMatchObject({ from: 'PENDING_PAYMENT', to: 'CONFIRMED', customerId: buyer.id });
    const placedData = JSON.parse(events[1]!.data!);
    expect(placedData).toMatchObject({ orderId: order.id, number: order.number, customerId: buyer.id, subtotal: '25.00', shippingTotal: '4.99', total: '29.99', currencyCode: 'USD' });
    expect(placedData.lines).toEqual([expect.objectContaining({ sku: order.sku, quantity: 2, unitPrice: '12.50', lineTotal: '25.00' })]);
    expect(JSON.parse(events[2]!.data!)).toMatchObject({ from: 'CONFIRMED', to: 'PACKED', note: 'Boxed' });
    expect(await p.service.models.Order.findById(order.id).lean()).toMatchObject({ outbox: [], outboxPending: false, publishedSeq: 3, outboxSeq: 3 });
  });

  it('notifies the customer once per event through its consumer group', async () => {
    const buyer = await p.customer('notified');
    const order = await placed(buyer);
    await p.service.publisher.trigger();
    await eventually(async () => {
      const notes = await p.service.models.Notification.find({ orderId: order.id }).sort({ _id: 1 }).lean();
      expect(notes.map((n) => [n._id, n.type, n.status, n.customerId])).toEqual([
        [`${order.id}:1`, 'OrderStatusChanged', 'CONFIRMED', buyer.id],
        [`${order.id}:2`, 'OrderPlaced', 'CONFIRMED', buyer.id],
      ]);
    });
  });

  it('loses nothing while Redis refuses the events: they stay in the outbox and go out once it accepts them', async () => {
    // Nothing can be appended to a key that holds a string.
    const parked = `${ORDER_EVENTS_STREAM}-parked`;
    await redis.rename(ORDER_EVENTS_STREAM, parked);
    await redis.set(ORDER_EVENTS_STREAM, 'not a stream');
    let order: { id: string };
    try {
      order = await placed(await p.customer('redis-down'));
      await expect(publishOrderEvents(p.service.orders, redis)).rejects.toThrow(/WRONGTYPE/);
      const waiting = await p.service.models.Order.findById(order.id).lean();
      expect(waiting).toMatchObject({ outboxPending: true, publishedSeq: 0, outboxSeq: 2 });
      expect(waiting?.outbox.map((e) => e.type)).toEqual(['OrderStatusChanged', 'OrderPlaced']);
    } finally {
      await redis.del(ORDER_EVENTS_STREAM);
      await redis.rename(parked, ORDER_EVENTS_STREAM);
    }
    await p.service.publisher.trigger();
    expect((await streamOf(order.id)).map((e) => e.id)).toEqual([`${order.id}:1`, `${order.id}:2`]);
    await p.service.publisher.trigger();
    expect(await streamOf(order.id)).toHaveLength(2);
  });

  it('redelivers an event its consumer failed on (at least once), and an idempotent consumer applies it once', async () => {
    const buyer = await p.customer('redelivery');
    const order = await placed(buyer);
    await p.service.publisher.trigger();
    const deliveries: string[] = [];
    let failOnce = true;
    const consumer = startOrderEventConsumer({
      redis,
      group: `flaky-${order.id}`,
      consumer: 'flaky-1',
      logger,
      claimIdleMs: 200,
      blockMs: 100,
      handle: async (events: OrderEvent[]) => {
        const ours = events.filter((event) => event.orderId === order.id);
        deliveries.push(...ours.map((event) => event.id));
        if (ours.length > 0 && failOnce) {
          failOnce = false;
          throw new Error('consumer crashed');
        }
      },
    });
    try {
      await eventually(async () => expect(deliveries.filter((id) => id === `${order.id}:2`)).toHaveLength(2), 20_000);
    } finally {
      await consumer.stop();
    }
    // Once handled it is acknowledged: nothing of this order is pending in the group.
    const pending = (await redis.xpending(ORDER_EVENTS_STREAM, `flaky-${order.id}`)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);

    const events = (await streamOf(order.id)).map((fields) => ({ id: fields.id!, type: fields.type, orderId: fields.orderId!, seq: Number(fields.seq), data: JSON.parse(fields.data!) }) as OrderEvent);
    expect(await recordNotifications(p.service.models, events)).toBe(0);
    expect(await p.service.models.Notification.countDocuments({ orderId: order.id })).toBe(2);
  });
});
