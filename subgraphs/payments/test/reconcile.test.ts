import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordChargeIntent } from '../src/charges.js';
import { chargeInput, errorCode, providerCalls, startPaymentsSuite, type PaymentOps, type PaymentsPlatform } from './support.js';

let p: PaymentsPlatform;
let ops: PaymentOps;
const signal = () => new AbortController().signal;

beforeAll(async () => ({ p, ops } = await startPaymentsSuite()));
afterAll(async () => p?.platform.stop());

describe('paymentForOrder', () => {
  it('returns the settled payment from the local record, without asking the provider', async () => {
    const input = chargeInput();
    const charged = await ops.charge(input);
    const lookups = await providerCalls(p, 'lookup');
    expect(await ops.paymentForOrder(input.orderId)).toEqual(charged.payment);
    expect(await providerCalls(p, 'lookup')).toBe(lookups);
  });

  it('is null for an order payments never charged', async () => {
    expect(await ops.paymentForOrder('order-unknown')).toBeNull();
  });

  it('refuses an empty order id with BAD_USER_INPUT', async () => {
    expect(await errorCode(ops.paymentForOrder(''))).toBe('BAD_USER_INPUT');
  });
});

describe('after a crash between the provider call and the local write', () => {
  it('finds an authorized charge by idempotency key; a retry with the key captures it without a second authorization', async () => {
    const input = chargeInput({ amount: 1234 });
    await recordChargeIntent(p.service.payments, input);
    await p.provider.authorize(input, { signal: signal() });

    expect(await ops.paymentForOrder(input.orderId)).toMatchObject({ status: 'AUTHORIZED', last4: '4242', amount: { amount: '12.34', currencyCode: 'USD' } });
    expect(await ops.records(input.orderId)).toEqual([expect.objectContaining({ status: 'AUTHORIZED', providerChargeId: expect.stringMatching(/^ch_test_/) })]);

    const authorizations = await providerCalls(p, 'authorize');
    const retried = await ops.charge(input);
    expect(retried).toMatchObject({ outcome: 'SUCCEEDED', payment: { status: 'CAPTURED', last4: '4242' } });
    expect(await providerCalls(p, 'authorize')).toBe(authorizations);
    expect(await p.provider.ledger.Charge.countDocuments({ orderId: input.orderId })).toBe(1);
  });

  it('finds a captured charge', async () => {
    const input = chargeInput();
    const intent = await recordChargeIntent(p.service.payments, input);
    const charge = await p.provider.authorize(input, { signal: signal() });
    await p.provider.capture({ idempotencyKey: `${input.idempotencyKey}:capture`, chargeId: charge.chargeId }, { signal: signal() });

    const payment = await ops.paymentForOrder(input.orderId);
    expect(payment).toMatchObject({ id: intent._id.toHexString(), status: 'CAPTURED', last4: '4242', provider: 'test' });
    // Reconciled once: the record is complete now, and the next read is local.
    const lookups = await providerCalls(p, 'lookup');
    expect(await ops.paymentForOrder(input.orderId)).toEqual(payment);
    expect(await providerCalls(p, 'lookup')).toBe(lookups);
  });

  it('finds a declined charge, with its reason', async () => {
    const input = chargeInput({ paymentToken: 'tok_chargeDeclined' });
    await recordChargeIntent(p.service.payments, input);
    await p.provider.authorize(input, { signal: signal() });
    expect(await ops.paymentForOrder(input.orderId)).toMatchObject({ status: 'FAILED', failureReason: 'The card was declined' });
    expect(await ops.charge(input)).toMatchObject({ outcome: 'DECLINED' });
  });

  it('is null when the provider never saw the charge; the intent stays and a retry runs it once', async () => {
    const input = chargeInput();
    await recordChargeIntent(p.service.payments, input);
    expect(await ops.paymentForOrder(input.orderId)).toBeNull();
    expect(await ops.records(input.orderId)).toEqual([expect.objectContaining({ status: 'PENDING', idempotencyKey: input.idempotencyKey })]);
    // A second key is still refused: the first charge's outcome is not known to be "nothing".
    expect(await errorCode(ops.charge(chargeInput({ orderId: input.orderId })))).toBe('ORDER_HAS_PAYMENT');

    expect((await ops.charge(input)).outcome).toBe('SUCCEEDED');
    expect((await ops.paymentForOrder(input.orderId))?.status).toBe('CAPTURED');
    expect(await p.provider.ledger.Charge.countDocuments({ orderId: input.orderId })).toBe(1);
  });
});
