import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL, ORDER, UPDATE_STATUS, startOrdersPlatform, type Customer, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  p = await startOrdersPlatform();
});
afterAll(async () => p?.stop());

async function placed(buyer: Customer, quantity = 1, price = '20.00'): Promise<{ id: string; sku: string; number: string }> {
  const tee = await p.variant(price, 10);
  await buyer.add(tee.id, quantity);
  const r = await buyer.checkout();
  if (r.data?.checkout?.order?.status !== 'CONFIRMED') throw new Error(`checkout failed: ${JSON.stringify(r.body)}`);
  return { id: r.data.checkout.order.id, sku: tee.sku, number: r.data.checkout.order.number };
}

const setStatus = (id: string, status: string, extra: Record<string, unknown> = {}) => p.admin(UPDATE_STATUS, { id, status, ...extra });
const errorsOf = (payload: { userErrors: Array<{ code: string }> }) => payload.userErrors.map((e) => e.code);

describe('order tracking', () => {
  it('moves along CONFIRMED -> PACKED -> SHIPPED -> OUT_FOR_DELIVERY -> DELIVERED, every step on the timeline', async () => {
    const buyer = await p.customer('track');
    const order = await placed(buyer);
    expect((await setStatus(order.id, 'PACKED', { note: 'Boxed' })).data.updateOrderStatus.order.status).toBe('PACKED');

    const noShipment = await setStatus(order.id, 'SHIPPED');
    expect(errorsOf(noShipment.data.updateOrderStatus)).toEqual(['SHIPMENT_REQUIRED']);
    const blank = await setStatus(order.id, 'SHIPPED', { shipment: { carrier: ' ', trackingNumber: '1Z' } });
    expect(errorsOf(blank.data.updateOrderStatus)).toEqual(['SHIPMENT_REQUIRED']);

    const shipped = await setStatus(order.id, 'SHIPPED', { shipment: { carrier: 'UPS', trackingNumber: '1Z999AA10123456784' } });
    expect(shipped.data.updateOrderStatus.order.shipment).toEqual({ carrier: 'UPS', trackingNumber: '1Z999AA10123456784' });
    await setStatus(order.id, 'OUT_FOR_DELIVERY');
    const delivered = (await setStatus(order.id, 'DELIVERED', { note: 'Left with neighbour' })).data.updateOrderStatus.order;
    expect(delivered.status).toBe('DELIVERED');
    expect(delivered.events.map((e: any) => [e.status, e.note])).toEqual([
      ['PENDING_PAYMENT', null],
      ['CONFIRMED', null],
      ['PACKED', 'Boxed'],
      ['SHIPPED', null],
      ['OUT_FOR_DELIVERY', null],
      ['DELIVERED', 'Left with neighbour'],
    ]);
    const times = delivered.events.map((e: any) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The customer sees the same timeline.
    expect((await buyer.gql(ORDER, { id: order.id })).data.order.events).toEqual(delivered.events);
  });

  it('refuses illegal moves with INVALID_STATUS_TRANSITION and changes nothing', async () => {
    const buyer = await p.customer('illegal');
    const order = await placed(buyer);
    for (const status of ['SHIPPED', 'DELIVERED', 'CONFIRMED', 'PENDING_PAYMENT', 'PAYMENT_FAILED']) {
      const r = await setStatus(order.id, status, status === 'SHIPPED' ? { shipment: { carrier: 'DHL', trackingNumber: 'X1' } } : {});
      expect(r.data.updateOrderStatus.order).toBeNull();
      expect(errorsOf(r.data.updateOrderStatus)).toEqual(['INVALID_STATUS_TRANSITION']);
    }
    const shipmentOnPacked = await setStatus(order.id, 'PACKED', { shipment: { carrier: 'DHL', trackingNumber: 'X1' } });
    expect(errorsOf(shipmentOnPacked.data.updateOrderStatus)).toEqual(['INVALID_INPUT']);
    const now = (await buyer.gql(ORDER, { id: order.id })).data.order;
    expect(now.status).toBe('CONFIRMED');
    expect(now.events).toHaveLength(2);
    expect(now.shipment).toBeNull();
  });

  it('is for admins: customers get FORBIDDEN, unknown orders NOT_FOUND', async () => {
    const buyer = await p.customer('not-admin');
    const order = await placed(buyer);
    const r = await buyer.gql(UPDATE_STATUS, { id: order.id, status: 'PACKED' });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(errorsOf((await setStatus('64b7f0000000000000000000', 'PACKED')).data.updateOrderStatus)).toEqual(['NOT_FOUND']);
    expect((await buyer.gql(ORDER, { id: order.id })).data.order.status).toBe('CONFIRMED');
  });

  it('lets the customer cancel before shipping: stock back on sale, payment refunded', async () => {
    const buyer = await p.customer('cancel');
    const order = await placed(buyer, 3, '15.00');
    expect(await p.available(order.sku)).toBe(7);
    await setStatus(order.id, 'PACKED');
    const r = await buyer.gql(CANCEL, { id: order.id, reason: 'Changed my mind' });
    expect(r.data.cancelOrder.userErrors).toEqual([]);
    const cancelled = r.data.cancelOrder.order;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.events.at(-1)).toMatchObject({ status: 'CANCELLED', note: 'Changed my mind' });
    expect(cancelled.payment).toMatchObject({ status: 'REFUNDED' });
    expect(await p.available(order.sku)).toBe(10);
    expect((await p.paymentsOf(order.id)).map((payment) => payment.status)).toEqual(['REFUNDED']);
    const stored = await p.service.models.Order.findById(order.id).lean();
    expect(stored?.tasks).toEqual([]);

    // A second cancel is an illegal move and gives nothing back twice.
    const again = await buyer.gql(CANCEL, { id: order.id });
    expect(errorsOf(again.data.cancelOrder)).toEqual(['INVALID_STATUS_TRANSITION']);
    expect(await p.available(order.sku)).toBe(10);
  });

  it('refuses a reason, note or shipment with control, bidi or zero-width characters and changes nothing', async () => {
    const buyer = await p.customer('hidden-text');
    const order = await placed(buyer);
    const cancel = (await buyer.gql(CANCEL, { id: order.id, reason: 'Changed\u202emy mind' })).data.cancelOrder;
    expect(cancel.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['reason'] })]);
    expect(errorsOf((await setStatus(order.id, 'PACKED', { note: 'Boxed\u0000' })).data.updateOrderStatus)).toEqual(['INVALID_INPUT']);
    await setStatus(order.id, 'PACKED');
    const shipment = { carrier: 'UPS', trackingNumber: '1Z999\u200bAA1' };
    const shipped = (await setStatus(order.id, 'SHIPPED', { shipment })).data.updateOrderStatus;
    expect(shipped.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['shipment', 'trackingNumber'] })]);
    const now = (await buyer.gql(ORDER, { id: order.id })).data.order;
    expect(now).toMatchObject({ status: 'PACKED', shipment: null });
    expect(now.events.map((e: any) => e.note)).toEqual([null, null, null]);
    expect(await p.available(order.sku)).toBe(9);
  });

  it('lets two cancels racing give the stock and money back once', async () => {
    const buyer = await p.customer('cancel-race');
    const order = await placed(buyer, 2);
    const results = await Promise.all([buyer.gql(CANCEL, { id: order.id }), p.admin(CANCEL, { id: order.id }), buyer.gql(CANCEL, { id: order.id })]);
    expect(results.filter((r) => r.data.cancelOrder.order?.status === 'CANCELLED')).toHaveLength(1);
    expect(await p.available(order.sku)).toBe(10);
    expect((await p.paymentsOf(order.id))[0]?.refunds).toHaveLength(1);
  });

  it('refuses a customer cancel once shipped; an admin refund after delivery refunds without restocking', async () => {
    const buyer = await p.customer('shipped');
    const order = await placed(buyer, 2);
    await setStatus(order.id, 'PACKED');
    await setStatus(order.id, 'SHIPPED', { shipment: { carrier: 'DHL', trackingNumber: 'JD014600003828' } });
    const r = await buyer.gql(CANCEL, { id: order.id });
    expect(errorsOf(r.data.cancelOrder)).toEqual(['INVALID_STATUS_TRANSITION']);
    expect(errorsOf((await p.admin(CANCEL, { id: order.id })).data.cancelOrder)).toEqual(['INVALID_STATUS_TRANSITION']);
    await setStatus(order.id, 'OUT_FOR_DELIVERY');
    await setStatus(order.id, 'DELIVERED');
    const refunded = (await setStatus(order.id, 'REFUNDED', { note: 'Returned damaged' })).data.updateOrderStatus.order;
    expect(refunded.status).toBe('REFUNDED');
    expect(refunded.payment.status).toBe('REFUNDED');
    expect(await p.available(order.sku)).toBe(8);
    expect(errorsOf((await setStatus(order.id, 'REFUNDED')).data.updateOrderStatus)).toEqual(['INVALID_STATUS_TRANSITION']);
  });

  it("hides an order from other customers exactly like a missing one, for reading and cancelling", async () => {
    const [owner, stranger] = [await p.customer('owner'), await p.customer('stranger')];
    const order = await placed(owner);
    const read = await stranger.gql(ORDER, { id: order.id });
    expect(read.data.order).toBeNull();
    expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const missing = await stranger.gql(ORDER, { id: '64b7f0000000000000000000' });
    expect(missing.errors?.[0]?.message).toBe(read.errors?.[0]?.message);
    expect(JSON.stringify(read.body)).not.toContain(order.number);
    const cancel = await stranger.gql(CANCEL, { id: order.id });
    expect(errorsOf(cancel.data.cancelOrder)).toEqual(['NOT_FOUND']);
    expect(cancel.data.cancelOrder.order).toBeNull();
    expect((await owner.gql(ORDER, { id: order.id })).data.order.status).toBe('CONFIRMED');
    expect((await p.anonymous(ORDER, { id: order.id })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await p.admin(ORDER, { id: order.id })).data.order.number).toBe(order.number);
  });
});

describe('order history', () => {
  it('lists me.orders newest first with cursors that neither skip nor repeat', async () => {
    const buyer = await p.customer('history');
    const numbers: string[] = [];
    for (let i = 0; i < 5; i += 1) numbers.push((await placed(buyer)).number);
    const page = (after?: string) =>
      buyer.gql('query($after: String) { me { orders(first: 2, after: $after) { totalCount nodes { number } edges { cursor } pageInfo { hasNextPage endCursor } } } }', { after });
    const seen: string[] = [];
    let after: string | undefined;
    let total = 5;
    for (;;) {
      const r = (await page(after)).data.me.orders;
      expect(r.totalCount).toBe(total);
      seen.push(...r.nodes.map((n: { number: string }) => n.number));
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
      // An order placed while paging shows up on no later page.
      if (seen.length === 2) {
        await placed(buyer);
        total += 1;
      }
    }
    expect(seen).toEqual([...numbers].reverse());
    const malformed = await page('not-a-cursor');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lets admins list every order by status, newest first; customers may not', async () => {
    const buyer = await p.customer('admin-list');
    const first = await placed(buyer);
    const second = await placed(buyer);
    await setStatus(first.id, 'PACKED');
    const packed = await p.admin('{ orders(status: PACKED, first: 100) { totalCount nodes { id status } } }');
    expect(packed.data.orders.nodes.every((n: { status: string }) => n.status === 'PACKED')).toBe(true);
    expect(packed.data.orders.nodes.map((n: { id: string }) => n.id)).toContain(first.id);
    expect(packed.data.orders.nodes.map((n: { id: string }) => n.id)).not.toContain(second.id);
    const all = await p.admin('{ orders(first: 2) { nodes { id } } }');
    expect(all.data.orders.nodes.map((n: { id: string }) => n.id)).toEqual([second.id, first.id]);
    expect((await buyer.gql('{ orders { totalCount } }')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooMany = await p.admin('{ orders(first: 101) { totalCount } }');
    expect(tooMany.errors?.[0]?.extensions?.code).toBeDefined();
  });

  it('shows an admin any customer\'s orders through User.orders', async () => {
    const buyer = await p.customer('admin-view');
    const order = await placed(buyer);
    const r = await p.admin('query($q: String) { users(query: $q, first: 1) { nodes { id orders(first: 5) { nodes { id } } } } }', { q: buyer.email });
    expect(r.data.users.nodes[0].orders.nodes).toEqual([{ id: order.id }]);
  });
});
