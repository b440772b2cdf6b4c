import { isFerretDb } from '@shopcart/kit';
import type { mongo } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { recordChargeIntent } from '../src/charges.js';
import { chargeInput, paymentOps, startPaymentsPlatform, uniqueId, type PaymentsPlatform } from './support.js';

let p: PaymentsPlatform;
let ops: ReturnType<typeof paymentOps>;

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Order { id payment { id status amount { amount currencyCode } provider last4 failureReason } }
  }
}`;

/** Commands sent to the payments collection while `run` runs: what the loaders cost. */
async function paymentCommandsDuring<T>(run: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
  const commands: string[] = [];
  const client = p.service.connection.getClient();
  const listener = (event: mongo.CommandStartedEvent) => {
    if (event.command[event.commandName] === 'payments') commands.push(event.commandName);
  };
  client.on('commandStarted', listener);
  try {
    return { result: await run(), commands };
  } finally {
    client.off('commandStarted', listener);
  }
}

const orders = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Order', id })) });

let captured: { orderId: string; paymentId: string };
let declined: { orderId: string; paymentId: string };
let pendingOrder: string;
let otherCustomers: { orderId: string; paymentId: string };

beforeAll(async () => {
  p = await startPaymentsPlatform({ MONGO_MONITOR_COMMANDS: 'true' });
  ops = paymentOps(p);
  const a = chargeInput({ customerId: 'alice' });
  captured = { orderId: a.orderId, paymentId: (await ops.charge(a)).payment.id };
  const b = chargeInput({ customerId: 'alice', paymentToken: 'tok_chargeDeclined', amount: 700 });
  declined = { orderId: b.orderId, paymentId: (await ops.charge(b)).payment.id };
  const c = chargeInput({ customerId: 'bob', amount: 100, currencyCode: 'EUR' });
  otherCustomers = { orderId: c.orderId, paymentId: (await ops.charge(c)).payment.id };
  const d = chargeInput({ customerId: 'alice' });
  await recordChargeIntent(p.service.payments, d);
  pendingOrder = d.orderId;
});
afterAll(async () => p?.platform.stop());

describe('Order.payment, as the router asks for it', () => {
  it('resolves every order of one fetch with one database round trip (one indexed find per order on FerretDB)', async () => {
    const none = uniqueId('order-without-payment');
    const { result, commands } = await paymentCommandsDuring(() =>
      p.asViewer({ role: 'ADMIN', userId: 'admin-1' }, ENTITIES, orders(captured.orderId, declined.orderId, none, pendingOrder, otherCustomers.orderId)),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data._entities).toEqual([
      { id: captured.orderId, payment: { id: captured.paymentId, status: 'CAPTURED', amount: { amount: '19.99', currencyCode: 'USD' }, provider: 'test', last4: '4242', failureReason: null } },
      { id: declined.orderId, payment: { id: declined.paymentId, status: 'FAILED', amount: { amount: '7.00', currencyCode: 'USD' }, provider: 'test', last4: '0002', failureReason: 'The card was declined' } },
      { id: none, payment: null },
      // A charge whose outcome is not known yet is not shown as a payment.
      { id: pendingOrder, payment: null },
      { id: otherCustomers.orderId, payment: expect.objectContaining({ id: otherCustomers.paymentId, amount: { amount: '1.00', currencyCode: 'EUR' } }) },
    ]);
    // FerretDB pushes no $in down: one indexed find per order, in parallel (kit findIn).
    expect(commands).toEqual((await isFerretDb(p.service.connection)) ? Array(5).fill('find') : ['find']);
  });

  it("shows a customer their own orders' payments and nobody else's", async () => {
    const r = await p.asViewer({ role: 'CUSTOMER', userId: 'alice' }, ENTITIES, orders(captured.orderId, otherCustomers.orderId));
    expect(r.data._entities.map((order: any) => order.payment?.id ?? null)).toEqual([captured.paymentId, null]);
    const anonymous = await p.asViewer({ role: 'ANONYMOUS', userId: null }, ENTITIES, orders(captured.orderId));
    expect(anonymous.data._entities).toEqual([{ id: captured.orderId, payment: null }]);
  });

  it('reads each request afresh: a refund between requests is seen', async () => {
    const query = () => p.asViewer({ role: 'ADMIN', userId: 'admin-1' }, ENTITIES, orders(captured.orderId));
    expect((await query()).data._entities[0].payment.status).toBe('CAPTURED');
    await ops.refund(captured.orderId);
    expect((await query()).data._entities[0].payment.status).toBe('REFUNDED');
  });

  it('serves nothing without identity', async () => {
    const r = await postGraphQL<any>(p.url, ENTITIES, orders(captured.orderId));
    expect(r.status).toBe(401);
    expect(r.body).not.toHaveProperty('data');
  });
});
