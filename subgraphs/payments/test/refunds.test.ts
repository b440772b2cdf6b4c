import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeInput, errorCode, providerCalls, startPaymentsSuite, type PaymentOps, type PaymentsPlatform } from './support.js';

let p: PaymentsPlatform;
let ops: PaymentOps;

beforeAll(async () => ({ p, ops } = await startPaymentsSuite()));
afterAll(async () => p?.platform.stop());

async function refundsCounted(outcome: string): Promise<number> {
  const { values } = await p.service.payments.metrics.refunds.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('refundPayment', () => {
  it('refunds a captured payment in full, once, with its own key, time and reason', async () => {
    const input = chargeInput({ amount: 2500 });
    const charged = await ops.charge(input);
    const before = await refundsCounted('refunded');
    const refunded = await ops.refund(input.orderId, 'customer cancelled');
    expect(refunded).toEqual({ ...charged.payment, status: 'REFUNDED' });
    const [record] = await ops.records(input.orderId);
    expect(record!.refunds).toEqual([
      { idempotencyKey: `${input.idempotencyKey}:refund`, providerRefundId: expect.stringMatching(/^re_test_/), amount: 2500, reason: 'customer cancelled', createdAt: expect.any(Date) },
    ]);
    expect(record!.refundRequest).toBeNull();
    const { refunds } = await ops.ledger(input.idempotencyKey);
    expect(refunds).toEqual([expect.objectContaining({ _id: `${input.idempotencyKey}:refund`, amount: 2500 })]);
    expect(await refundsCounted('refunded')).toBe(before + 1);
  });

  it('a second refund returns the REFUNDED payment and asks the provider nothing', async () => {
    const input = chargeInput();
    await ops.charge(input);
    const first = await ops.refund(input.orderId);
    const refundCalls = await providerCalls(p, 'refund');
    const second = await ops.refund(input.orderId, 'again');
    expect(second).toEqual(first);
    expect(await providerCalls(p, 'refund')).toBe(refundCalls);
    expect((await ops.ledger(input.idempotencyKey)).refunds).toHaveLength(1);
    expect((await ops.records(input.orderId))[0]!.refunds).toHaveLength(1);
  });

  it('concurrent refunds of one order refund once', async () => {
    const input = chargeInput();
    await ops.charge(input);
    const results = await Promise.all(Array.from({ length: 10 }, () => ops.refund(input.orderId)));
    expect(new Set(results.map((r) => r?.status))).toEqual(new Set(['REFUNDED']));
    expect((await ops.ledger(input.idempotencyKey)).refunds).toHaveLength(1);
    expect((await ops.records(input.orderId))[0]!.refunds).toHaveLength(1);
  });

  it('is null for an order without a payment, and for a declined one, and changes nothing', async () => {
    expect(await ops.refund('order-never-charged')).toBeNull();
    const declined = chargeInput({ paymentToken: 'tok_chargeDeclined' });
    await ops.charge(declined);
    expect(await ops.refund(declined.orderId)).toBeNull();
    expect(await ops.records(declined.orderId)).toEqual([expect.objectContaining({ status: 'FAILED', refunds: [], refundRequest: null })]);
  });

  it('a charge replayed after its refund still answers SUCCEEDED, with the payment as it is now', async () => {
    const input = chargeInput();
    await ops.charge(input);
    await ops.refund(input.orderId);
    expect(await ops.charge(input)).toMatchObject({ outcome: 'SUCCEEDED', payment: { status: 'REFUNDED' } });
  });

  it('refuses an oversized reason with BAD_USER_INPUT and leaves the payment captured', async () => {
    const input = chargeInput();
    await ops.charge(input);
    expect(await errorCode(ops.refund(input.orderId, 'x'.repeat(501)))).toBe('BAD_USER_INPUT');
    expect((await ops.paymentForOrder(input.orderId))?.status).toBe('CAPTURED');
    expect((await ops.ledger(input.idempotencyKey)).refunds).toEqual([]);
  });

  it('a refund the provider made but payments never recorded is found by paymentForOrder', async () => {
    const input = chargeInput();
    const charged = await ops.charge(input);
    // What refundPayment writes before asking the provider, then the provider refunds and payments stops.
    const [record] = await ops.records(input.orderId);
    const request = { idempotencyKey: `${input.idempotencyKey}:refund`, reason: 'lost answer', requestedAt: new Date() };
    await p.service.models.Payment.updateOne({ _id: record!._id }, { $set: { refundRequest: request } });
    await p.provider.refund({ idempotencyKey: request.idempotencyKey, chargeId: record!.providerChargeId!, amount: record!.amount }, { signal: new AbortController().signal });

    expect(await ops.paymentForOrder(input.orderId)).toEqual({ ...charged.payment, status: 'REFUNDED' });
    const [after] = await ops.records(input.orderId);
    expect(after).toMatchObject({ status: 'REFUNDED', refundRequest: null, refunds: [expect.objectContaining({ idempotencyKey: request.idempotencyKey, reason: 'lost answer' })] });
    // And a retried refund by the caller does not refund again.
    expect((await ops.refund(input.orderId))?.status).toBe('REFUNDED');
    expect((await ops.ledger(input.idempotencyKey)).refunds).toHaveLength(1);
  });
});
