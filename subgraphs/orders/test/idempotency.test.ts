import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, startOrdersPlatform, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  p = await startOrdersPlatform();
});
afterAll(async () => p?.stop());

const ordersOf = (customerId: string) => p.service.models.Order.find({ customerId }).lean();

describe('idempotency keys', () => {
  it('20 identical checkouts arriving together make one order and one charge', async () => {
    const buyer = await p.customer('twenty');
    const tee = await p.variant('25.00', 10);
    await buyer.add(tee.id, 3);
    const key = randomUUID();
    const results = await Promise.all(Array.from({ length: 20 }, () => buyer.checkout({ idempotencyKey: key })));
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data.checkout.userErrors).toEqual([]);
    }
    const ids = new Set(results.map((r) => r.data.checkout.order.id));
    expect(ids.size).toBe(1);
    expect(new Set(results.map((r) => r.data.checkout.order.number)).size).toBe(1);
    expect(results.every((r) => r.data.checkout.order.status === 'CONFIRMED')).toBe(true);
    const [orderId] = [...ids] as [string];
    expect(await ordersOf(buyer.id)).toHaveLength(1);
    expect(await p.providerCharges(orderId)).toHaveLength(1);
    expect((await p.paymentsOf(orderId)).map((payment) => payment.status)).toEqual(['CAPTURED']);
    expect(await p.available(tee.sku)).toBe(7);
  });

  it('answers a retry after the first call finished with the same order, though the cart is empty now', async () => {
    const buyer = await p.customer('retry');
    const tee = await p.variant('11.00', 5);
    await buyer.add(tee.id);
    const key = randomUUID();
    const first = await buyer.checkout({ idempotencyKey: key });
    const again = await buyer.checkout({ idempotencyKey: key });
    expect(again.data.checkout).toEqual(first.data.checkout);
    expect(await ordersOf(buyer.id)).toHaveLength(1);
    expect(await p.available(tee.sku)).toBe(4);
  });

  it('refuses the same key with a different cart, address or payment token (IDEMPOTENCY_KEY_REUSED), changing nothing', async () => {
    const buyer = await p.customer('reused');
    const tee = await p.variant('11.00', 5);
    await buyer.add(tee.id);
    const key = randomUUID();
    const first = await buyer.checkout({ idempotencyKey: key });
    expect(first.data.checkout.order.status).toBe('CONFIRMED');

    await buyer.add(tee.id, 2);
    const guest = await p.anonymous('mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id } } }', { l: [{ variantId: tee.id, quantity: 1 }] });
    const variants = [
      { cartId: guest.data.cartAddLines.cart.id },
      { shippingAddressId: null, shippingAddress: ADDRESS },
      { paymentToken: 'tok_chargeDeclined' },
    ];
    for (const change of variants) {
      const r = await buyer.checkout({ idempotencyKey: key, ...change });
      expect(r.data.checkout.order).toBeNull();
      expect(r.data.checkout.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] })]);
    }
    expect(await ordersOf(buyer.id)).toHaveLength(1);
    expect(await p.available(tee.sku)).toBe(4);
  });

  it('scopes keys to their customer: the same key from another customer is a checkout of its own', async () => {
    const [a, b] = [await p.customer('scope-a'), await p.customer('scope-b')];
    const tee = await p.variant('6.00', 5);
    await a.add(tee.id);
    await b.add(tee.id);
    const key = `shared-${randomUUID()}`;
    const [ra, rb] = [await a.checkout({ idempotencyKey: key }), await b.checkout({ idempotencyKey: key })];
    expect(ra.data.checkout.order.id).not.toBe(rb.data.checkout.order.id);
    expect(ra.data.checkout.order.customer.id).toBe(a.id);
    expect(rb.data.checkout.order.customer.id).toBe(b.id);
    expect(await p.available(tee.sku)).toBe(3);
  });

  it('replays a declined payment without charging again', async () => {
    const buyer = await p.customer('declined-replay');
    const tee = await p.variant('6.00', 5);
    await buyer.add(tee.id);
    const key = randomUUID();
    const first = await buyer.checkout({ idempotencyKey: key, paymentToken: 'tok_chargeDeclined' });
    const again = await buyer.checkout({ idempotencyKey: key, paymentToken: 'tok_chargeDeclined' });
    expect(again.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect(again.data.checkout.order.id).toBe(first.data.checkout.order.id);
    expect(await p.providerCharges(first.data.checkout.order.id)).toHaveLength(1);
    // A new key is a new attempt, with another card.
    const paid = await buyer.checkout({ idempotencyKey: randomUUID() });
    expect(paid.data.checkout.order.status).toBe('CONFIRMED');
    expect(await p.available(tee.sku)).toBe(4);
  });

  it('keeps keys for at least a day and sweeps them after their retention', async () => {
    const buyer = await p.customer('sweep');
    const tee = await p.variant('6.00', 5);
    await buyer.add(tee.id);
    await buyer.checkout();
    const { Checkout } = p.service.models;
    expect(await Checkout.countDocuments({ customerId: buyer.id })).toBe(1);
    const { sweepCheckouts } = await import('../src/idempotency.js');
    const day = 86_400_000;
    expect(await sweepCheckouts(p.service.orders, 48 * 3_600_000, new Date(Date.now() + day))).toBe(0);
    expect(await Checkout.countDocuments({ customerId: buyer.id })).toBe(1);
    await sweepCheckouts(p.service.orders, 48 * 3_600_000, new Date(Date.now() + 3 * day));
    expect(await Checkout.countDocuments({ customerId: buyer.id })).toBe(0);
  });
});
