import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargePayment } from '../src/charges.js';
import { callError, chargeInput, chargesCounted, paymentOps, startPaymentsPlatform, type PaymentsPlatform } from './support.js';

/**
 * A lookup that itself runs past the (deliberately short) provider timeout on a
 * busy machine is again "outcome unknown"; asking again is what callers do.
 */
async function settled<T>(lookup: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await lookup();
    } catch (err) {
      if (attempt >= attempts || (err as { code?: string }).code !== 'PAYMENT_PROVIDER_UNAVAILABLE') throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('a provider that charges but answers after payments stopped waiting', () => {
  let p: PaymentsPlatform;
  let ops: ReturnType<typeof paymentOps>;
  beforeAll(async () => {
    p = await startPaymentsPlatform({ TEST_PROVIDER_DELAY_MS: '3000', PAYMENT_PROVIDER_TIMEOUT_MS: '300' });
    ops = paymentOps(p);
  });
  afterAll(async () => p?.platform.stop());

  it('answers PAYMENT_PROVIDER_UNAVAILABLE in time; paymentForOrder then finds the charge the provider made', async () => {
    const input = chargeInput();
    const unavailableBefore = await chargesCounted(p, 'provider_unavailable');
    const started = Date.now();
    const error = await callError(ops.charge(input));
    const elapsed = Date.now() - started;
    expect(error.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
    expect(error.message).toMatch(/outcome is unknown/);
    expect(elapsed).toBeLessThan(3_000);
    expect(await chargesCounted(p, 'provider_unavailable')).toBe(unavailableBefore + 1);
    // The provider did charge; our record still waits for its answer.
    expect((await ops.ledger(input.idempotencyKey)).charge).toMatchObject({ status: 'AUTHORIZED', orderId: input.orderId });
    expect(await ops.records(input.orderId)).toEqual([expect.objectContaining({ status: 'PENDING' })]);

    // Lookups are not slowed down, so reconciliation completes the record.
    expect(await settled(() => ops.paymentForOrder(input.orderId))).toMatchObject({ status: 'AUTHORIZED', last4: '4242' });
  });

  it('a refund answered too late is PAYMENT_PROVIDER_UNAVAILABLE and is completed by paymentForOrder', async () => {
    const input = chargeInput();
    // Charge directly at the domain level with a generous timeout, then refund through the slow path.
    const fast = { ...p.service.payments, providerTimeoutMs: 5_000 };
    expect((await chargePayment(fast, input)).outcome).toBe('SUCCEEDED');

    expect((await callError(ops.refund(input.orderId))).code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
    expect((await ops.records(input.orderId))[0]).toMatchObject({ status: 'CAPTURED', refundRequest: expect.objectContaining({ idempotencyKey: `${input.idempotencyKey}:refund` }) });
    expect((await ops.ledger(input.idempotencyKey)).refunds).toHaveLength(1);
    expect((await settled(() => ops.paymentForOrder(input.orderId)))?.status).toBe('REFUNDED');
  });
});

describe('a slow provider within the timeout', () => {
  let p: PaymentsPlatform;
  beforeAll(async () => {
    p = await startPaymentsPlatform({ TEST_PROVIDER_DELAY_MS: '150', PAYMENT_PROVIDER_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => p?.platform.stop());

  it('is waited for: authorize and capture each answer late, and the charge succeeds', async () => {
    const started = Date.now();
    const result = await paymentOps(p).charge(chargeInput());
    expect(result).toMatchObject({ outcome: 'SUCCEEDED', payment: { status: 'CAPTURED' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});
