import { randomUUID } from 'node:crypto';
import { createIdentitySigner, importPrivateKey, listen } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, serviceKeyEnv } from '@shopcart/testing';
import { loadOrdersEnv } from '../src/env.js';
import { nextOrderNumber } from '../src/orders.js';
import { createOrdersService, type OrdersService } from '../src/server.js';
import { startOrdersPlatform, type OrdersPlatform } from './support.js';

// Straight to a replica: only orders' own fields.
const CHECKOUT = 'mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { id status } userErrors { code } } }';

let p: OrdersPlatform;
let second: OrdersService;
let secondUrl: string;

beforeAll(async () => {
  p = await startOrdersPlatform();
  // A second replica on the same database: the in-process queue no longer covers both.
  second = await createOrdersService(loadOrdersEnv({ ...p.platform.env, ...serviceKeyEnv('orders', p.platform.keys), RECOVERY_INTERVAL_MS: '3600000' }));
  secondUrl = `http://127.0.0.1:${await listen(second.http.server, 0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await second?.http.shutdown(1_000);
  await second?.close();
  await p?.stop();
});

describe('two replicas of orders', () => {
  it('agree on one order and one charge when the same key reaches both at once', async () => {
    const buyer = await p.customer('replicas');
    const tee = await p.variant('17.00', 10);
    await buyer.add(tee.id, 2);
    const router = createIdentitySigner('shopcart-router', await importPrivateKey(p.platform.keys.routerPrivate));
    const token = await router.sign('orders', { userId: buyer.id, role: 'CUSTOMER', clientIp: null });
    const input = { shippingAddressId: buyer.addressId, paymentToken: 'tok_visa', idempotencyKey: randomUUID() };
    const urls = [p.platform.subgraphUrls.orders!, secondUrl];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => postGraphQL<any>(urls[i % 2]!, CHECKOUT, { input }, { token })));
    for (const r of results) expect(r.errors).toBeUndefined();
    const orders = new Set(results.map((r) => r.data.checkout.order?.id));
    expect(orders.size).toBe(1);
    const [orderId] = [...orders] as [string];
    expect(results.every((r) => r.data.checkout.order.status === 'CONFIRMED')).toBe(true);
    expect(await p.service.models.Order.countDocuments({ customerId: buyer.id })).toBe(1);
    expect(await p.providerCharges(orderId)).toHaveLength(1);
    expect(await p.available(tee.sku)).toBe(8);
  });

  it('draw distinct order numbers when both draw at once', async () => {
    const numbers = await Promise.all(Array.from({ length: 40 }, (_, i) => nextOrderNumber(i % 2 === 0 ? p.service.orders : second.orders)));
    expect(new Set(numbers).size).toBe(40);
  });
});
