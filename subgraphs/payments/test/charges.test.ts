import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callError, chargeInput, chargesCounted, errorCode, providerCalls, startPaymentsSuite, type PaymentOps, type PaymentsPlatform } from './support.js';

let p: PaymentsPlatform;
let ops: PaymentOps;

beforeAll(async () => ({ p, ops } = await startPaymentsSuite()));
afterAll(async () => p?.platform.stop());

describe('the test provider tokens', () => {
  it('tok_visa authorizes and captures, card ending 4242', async () => {
    const input = chargeInput({ amount: 1999 });
    const result = await ops.charge(input);
    expect(result).toEqual({
      outcome: 'SUCCEEDED',
      payment: { id: expect.stringMatching(/^[0-9a-f]{24}$/), status: 'CAPTURED', amount: { amount: '19.99', currencyCode: 'USD' }, provider: 'test', last4: '4242', failureReason: null },
    });
    const [record] = await ops.records(input.orderId);
    expect(record).toMatchObject({ idempotencyKey: input.idempotencyKey, customerId: 'customer-1', amount: 1999, currencyCode: 'USD', status: 'CAPTURED', refunds: [] });
    expect(record!.providerChargeId).toMatch(/^ch_test_/);
    expect((await ops.ledger(input.idempotencyKey)).charge).toMatchObject({ status: 'CAPTURED', amount: 1999, orderId: input.orderId });
  });

  it('tok_chargeDeclined is declined: FAILED with a reason, nothing captured', async () => {
    const input = chargeInput({ paymentToken: 'tok_chargeDeclined', amount: 5 });
    const result = await ops.charge(input);
    expect(result.outcome).toBe('DECLINED');
    expect(result.payment).toMatchObject({ status: 'FAILED', amount: { amount: '0.05', currencyCode: 'USD' }, failureReason: 'The card was declined' });
    expect((await ops.ledger(input.idempotencyKey)).charge?.status).toBe('DECLINED');
  });

  it.each([['tok_unknown'], [''], ['4242424242424242']])('any other token (%j) is INVALID_TOKEN', async (paymentToken) => {
    const input = chargeInput({ paymentToken });
    const result = await ops.charge(input);
    expect(result.outcome).toBe('INVALID_TOKEN');
    expect(result.payment).toMatchObject({ status: 'FAILED', last4: null, failureReason: 'The payment token is not valid' });
  });
});

describe('input the service refuses before writing anything', () => {
  it.each([
    ['zero', 0],
    ['negative', -100],
  ])('a %s amount is INVALID_AMOUNT', async (_why, amount) => {
    const input = chargeInput({ amount });
    const error = await callError(ops.charge(input));
    expect(error).toEqual({ code: 'INVALID_AMOUNT', message: 'amount must be a whole number of minor units above zero' });
    expect(await ops.records(input.orderId)).toEqual([]);
    expect((await ops.ledger(input.idempotencyKey)).charge).toBeNull();
  });

  it.each([
    ['a lower-case currency', { currencyCode: 'usd' }],
    ['an unknown currency', { currencyCode: 'ABC' }],
    ['an empty order id', { orderId: ' ' }],
    ['an oversized idempotency key', { idempotencyKey: 'k'.repeat(256) }],
    ['an oversized token', { paymentToken: 't'.repeat(256) }],
  ])('%s is BAD_USER_INPUT', async (_why, overrides) => {
    const input = chargeInput(overrides);
    expect(await errorCode(ops.charge(input))).toBe('BAD_USER_INPUT');
    expect(await p.service.models.Payment.countDocuments({ idempotencyKey: input.idempotencyKey })).toBe(0);
    expect((await ops.ledger(input.idempotencyKey)).charge).toBeNull();
  });
});

describe('idempotency', () => {
  it('a repeat with the same key and input gets the same answer and no second provider call', async () => {
    const input = chargeInput();
    const authorizeBefore = await providerCalls(p, 'authorize');
    const first = await ops.charge(input);
    const second = await ops.charge({ ...input, paymentToken: 'tok_chargeDeclined' });
    expect(second).toEqual(first);
    expect(await providerCalls(p, 'authorize')).toBe(authorizeBefore + 1);
    expect(await ops.records(input.orderId)).toHaveLength(1);
  });

  it('a declined charge replays as declined', async () => {
    const input = chargeInput({ paymentToken: 'tok_chargeDeclined' });
    const first = await ops.charge(input);
    expect(await ops.charge({ ...input, paymentToken: 'tok_visa' })).toEqual(first);
    expect(first.outcome).toBe('DECLINED');
  });

  it('20 concurrent calls with one key make one provider charge and all get the same answer', async () => {
    const input = chargeInput({ amount: 4321 });
    const [authorizeBefore, captureBefore, succeededBefore] = [await providerCalls(p, 'authorize'), await providerCalls(p, 'capture'), await chargesCounted(p, 'succeeded')];
    const results = await Promise.all(Array.from({ length: 20 }, () => ops.charge(input)));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]).toMatchObject({ outcome: 'SUCCEEDED', payment: { status: 'CAPTURED', amount: { amount: '43.21' } } });
    expect(await providerCalls(p, 'authorize')).toBe(authorizeBefore + 1);
    expect(await providerCalls(p, 'capture')).toBe(captureBefore + 1);
    expect(await chargesCounted(p, 'succeeded')).toBe(succeededBefore + 1);
    expect(await ops.records(input.orderId)).toHaveLength(1);
    expect(await p.provider.ledger.Charge.countDocuments({ orderId: input.orderId })).toBe(1);
  });

  it.each([
    ['another order', { orderId: 'other-order' }],
    ['another amount', { amount: 2000 }],
    ['another currency', { currencyCode: 'EUR' }],
    ['another customer', { customerId: 'customer-2' }],
  ])('the same key for %s is IDEMPOTENCY_KEY_REUSED and changes nothing', async (_why, change) => {
    const input = chargeInput();
    const first = await ops.charge(input);
    const authorizeBefore = await providerCalls(p, 'authorize');
    const error = await callError(ops.charge({ ...input, ...change }));
    expect(error).toEqual({ code: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotency key was used for a different charge' });
    expect(await providerCalls(p, 'authorize')).toBe(authorizeBefore);
    expect(await ops.records(input.orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED', amount: 1999, currencyCode: 'USD', customerId: 'customer-1' })]);
    expect(await p.service.models.Payment.countDocuments({ orderId: 'other-order' })).toBe(0);
    expect(await ops.paymentForOrder(input.orderId)).toEqual(first.payment);
  });

  it('a second key for an order with a live payment is ORDER_HAS_PAYMENT: never a second charge', async () => {
    const input = chargeInput();
    await ops.charge(input);
    const other = chargeInput({ orderId: input.orderId });
    expect(await errorCode(ops.charge(other))).toBe('ORDER_HAS_PAYMENT');
    expect(await ops.records(input.orderId)).toHaveLength(1);
    expect((await ops.ledger(other.idempotencyKey)).charge).toBeNull();
  });

  it('after a decline the order may be charged again under a new key; the latest attempt is its payment', async () => {
    const declined = chargeInput({ paymentToken: 'tok_chargeDeclined' });
    expect((await ops.charge(declined)).outcome).toBe('DECLINED');
    const retry = await ops.charge(chargeInput({ orderId: declined.orderId }));
    expect(retry.outcome).toBe('SUCCEEDED');
    expect(await ops.records(declined.orderId)).toHaveLength(2);
    expect(await ops.paymentForOrder(declined.orderId)).toEqual(retry.payment);
  });
});

describe('operational endpoints', () => {
  it('/metrics counts charges by outcome', async () => {
    const text = await (await fetch(p.platform.metricsUrls.payments!)).text();
    expect(text).toMatch(/payments_charges_total\{outcome="succeeded",service="payments"\} \d+/);
    expect(text).toMatch(/payments_charges_total\{outcome="declined",service="payments"\} \d+/);
    expect(text).toContain('payments_provider_call_duration_seconds_bucket');
  });

  it('/ready checks MongoDB and Redis', async () => {
    const r = await fetch(new URL('/ready', p.url));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, checks: { mongodb: true, redis: true } });
  });
});
