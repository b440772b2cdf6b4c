import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutRecordId, fingerprintOf } from '../src/idempotency.js';
import { CART, ORDER, eventually, startOrdersPlatform, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  p = await startOrdersPlatform({
    // The payment provider records every charge, then answers after payments has given up waiting.
    TEST_PROVIDER_DELAY_MS: '1000',
    PAYMENT_PROVIDER_TIMEOUT_MS: '200',
    CHECKOUT_RECOVERY_AFTER_MS: '300',
  });
});
afterAll(async () => p?.stop());

/** The provider's answers arrive in time again (or not): payments reads its timeout at every call. */
function providerAnswersInTime(inTime: boolean): void {
  (p.payments.payments as { providerTimeoutMs: number }).providerTimeoutMs = inTime ? 10_000 : 200;
}

/** Runs recovery passes until the order settles into one of the statuses. */
async function recoveredTo(orderId: string, statuses: string[]): Promise<any> {
  return eventually(async () => {
    await p.service.recovery.trigger();
    const order = await p.service.models.Order.findById(orderId).lean();
    if (!order || !statuses.includes(order.status) || order.tasks.length > 0) throw new Error(`order is ${order?.status} with tasks ${order?.tasks}`);
    return order;
  }, 30_000);
}

describe('recovery after a payment provider timeout', () => {
  it('leaves the order PENDING_PAYMENT, never guesses, then confirms it once the provider says it was charged', async () => {
    const buyer = await p.customer('timeout-paid');
    const tee = await p.variant('40.00', 5);
    await buyer.add(tee.id, 2);
    const key = randomUUID();
    const r = await buyer.checkout({ idempotencyKey: key });
    expect(r.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['CHECKOUT_PENDING']);
    const pending = r.data.checkout.order;
    expect(pending.status).toBe('PENDING_PAYMENT');
    expect(await p.holds(tee.sku)).toEqual([`order-${pending.id}`]);
    // A retry meanwhile gets the same order, still pending, and charges nothing more.
    const retry = await buyer.checkout({ idempotencyKey: key });
    expect(retry.data.checkout.order.id).toBe(pending.id);

    // While the provider stays slow, recovery learns nothing final and leaves the order as it is.
    await p.service.recovery.trigger();
    expect((await p.service.models.Order.findById(pending.id).lean())?.status).toBe('PENDING_PAYMENT');
    providerAnswersInTime(true);
    const settled = await recoveredTo(pending.id, ['CONFIRMED']).finally(() => providerAnswersInTime(false));
    expect(settled.paymentToken).toBeNull();
    expect(await p.available(tee.sku)).toBe(3);
    expect(await p.holds(tee.sku)).toEqual([]);
    expect((await p.providerCharges(pending.id)).map((c) => c.status)).toEqual(['CAPTURED']);
    expect((await buyer.gql(CART)).data.cart?.totalQuantity ?? 0).toBe(0);
    const replay = await buyer.checkout({ idempotencyKey: key });
    expect(replay.data.checkout).toMatchObject({ userErrors: [], order: { id: pending.id, status: 'CONFIRMED' } });
    const read = await buyer.gql(ORDER, { id: pending.id });
    expect(read.data.order.events.map((e: { status: string }) => e.status)).toEqual(['PENDING_PAYMENT', 'CONFIRMED']);
  });

  it('fails the order and gives the stock back when the provider says it declined', async () => {
    const buyer = await p.customer('timeout-declined');
    const tee = await p.variant('40.00', 5);
    await buyer.add(tee.id, 1);
    const key = randomUUID();
    const r = await buyer.checkout({ idempotencyKey: key, paymentToken: 'tok_chargeDeclined' });
    expect(r.data.checkout.order.status).toBe('PENDING_PAYMENT');
    await recoveredTo(r.data.checkout.order.id, ['PAYMENT_FAILED']);
    expect(await p.available(tee.sku)).toBe(5);
    const replay = await buyer.checkout({ idempotencyKey: key, paymentToken: 'tok_chargeDeclined' });
    expect(replay.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['PAYMENT_DECLINED']);
    expect((await buyer.gql(CART)).data.cart.totalQuantity).toBe(1);
  });
});

describe('recovery of abandoned checkouts', () => {
  it('gives back the stock of an attempt that died before creating its order, and frees its key', async () => {
    const buyer = await p.customer('abandoned');
    const tee = await p.variant('10.00', 5);
    const orderId = new Types.ObjectId();
    // What a crash right after reserving leaves: a running claim and held stock, no order.
    const { Checkout } = p.service.models;
    await Checkout.create({ _id: `abandoned-${orderId}`, customerId: buyer.id, fingerprint: 'x', state: 'RUNNING', orderId, leaseUntil: new Date(Date.now() - 1000) });
    const held = await p.service.orders.services.reserveStock(`order-${orderId}`, [{ sku: tee.sku, quantity: 2 }], 900);
    expect(held.status).toBe('HELD');
    expect(await p.available(tee.sku)).toBe(3);

    await p.service.recovery.trigger();
    expect(await p.available(tee.sku)).toBe(5);
    expect(await p.holds(tee.sku)).toEqual([]);
    expect(await Checkout.countDocuments({ _id: `abandoned-${orderId}` })).toBe(0);
    expect(await p.service.models.Order.countDocuments({ _id: orderId })).toBe(0);
  });

  it('lets a retry of the key wait for the attempt holding it, and take over once its lease ends', async () => {
    providerAnswersInTime(true);
    try {
      const buyer = await p.customer('takeover');
      const tee = await p.variant('10.00', 5);
      await buyer.add(tee.id);
      const key = randomUUID();
      // As another replica would leave it mid-checkout, then die: the claim, and stock held for it.
      const orderId = new Types.ObjectId();
      await p.service.models.Checkout.create({
        _id: checkoutRecordId(buyer.id, key),
        customerId: buyer.id,
        fingerprint: fingerprintOf({ cartId: null, address: { kind: 'saved', addressId: buyer.addressId }, paymentToken: 'tok_visa' }),
        state: 'RUNNING',
        orderId,
        leaseUntil: new Date(Date.now() + 1_500),
      });
      await p.service.orders.services.reserveStock(`order-${orderId}`, [{ sku: tee.sku, quantity: 3 }], 900);
      const started = Date.now();
      const r = await buyer.checkout({ idempotencyKey: key });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(r.data.checkout.order.status).toBe('CONFIRMED');
      // The dead attempt's hold went back; only the order's unit is sold.
      expect(await p.available(tee.sku)).toBe(4);
      expect(await p.holds(tee.sku)).toEqual([]);
    } finally {
      providerAnswersInTime(false);
    }
  });

  it('leaves a running attempt alone until its lease ends', async () => {
    const orderId = new Types.ObjectId();
    const { Checkout } = p.service.models;
    await Checkout.create({ _id: `live-${orderId}`, customerId: 'someone', fingerprint: 'x', state: 'RUNNING', orderId, leaseUntil: new Date(Date.now() + 60_000) });
    await p.service.recovery.trigger();
    expect(await Checkout.countDocuments({ _id: `live-${orderId}`, state: 'RUNNING' })).toBe(1);
  });
});
