import { createServiceSigner } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { CHARGE, chargeInput, PAYMENT_FOR_ORDER, REFUND, startPaymentsSuite, type PaymentOps, type PaymentsPlatform } from './support.js';

let p: PaymentsPlatform;
let ops: PaymentOps;

beforeAll(async () => ({ p, ops } = await startPaymentsSuite()));
afterAll(async () => p?.platform.stop());

/** Every internal operation, against one order that has a captured payment. */
async function internalOperations(): Promise<{ orderId: string; operations: Array<[string, string, Record<string, unknown>]> }> {
  const charged = chargeInput();
  await ops.charge(charged);
  const fresh = chargeInput({ orderId: `${charged.orderId}-new` });
  return {
    orderId: charged.orderId,
    operations: [
      ['chargePayment', CHARGE, { input: fresh }],
      ['refundPayment', REFUND, { orderId: charged.orderId }],
      ['paymentForOrder', PAYMENT_FOR_ORDER, { orderId: charged.orderId }],
    ],
  };
}

async function expectUntouched(orderId: string): Promise<void> {
  expect(await ops.records(orderId)).toEqual([expect.objectContaining({ status: 'CAPTURED', refunds: [], refundRequest: null })]);
  expect(await p.service.models.Payment.countDocuments({ orderId: `${orderId}-new` })).toBe(0);
  expect(await p.provider.ledger.Charge.countDocuments({ orderId: `${orderId}-new` })).toBe(0);
}

describe('internal operations', () => {
  it.each([
    ['a router-signed customer', { role: 'CUSTOMER' as const, userId: 'customer-1' }],
    ['a router-signed admin', { role: 'ADMIN' as const, userId: 'admin-1' }],
    ['a router-signed anonymous caller', { role: 'ANONYMOUS' as const, userId: null }],
  ])('refuse %s with FORBIDDEN and change nothing', async (_who, viewer) => {
    const { orderId, operations } = await internalOperations();
    for (const [field, query, variables] of operations) {
      const r = await p.asViewer(viewer, query, variables);
      expect(r.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
      expect(r.data?.[field] ?? null, field).toBeNull();
    }
    await expectUntouched(orderId);
  });

  it('answer a request without identity with HTTP 401 and no data', async () => {
    const { orderId, operations } = await internalOperations();
    for (const [field, query, variables] of operations) {
      const r = await postGraphQL<any>(p.url, query, variables);
      expect(r.status, field).toBe(401);
      expect(r.body, field).not.toHaveProperty('data');
    }
    await expectUntouched(orderId);
  });

  it('refuse a service token minted for another subgraph', async () => {
    const signer = await createServiceSigner('orders', p.platform.keys.services.orders!.privateKey);
    const token = await signer!.sign('inventory', { userId: null, role: 'SERVICE', clientIp: null });
    const r = await postGraphQL<any>(p.url, PAYMENT_FOR_ORDER, { orderId: 'any' }, { token });
    expect(r.status).toBe(401);
  });

  it('are not part of the public API: the router refuses them', async () => {
    const r = await p.platform.gql('{ paymentForOrder(orderId: "any") { id } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.data ?? null).toBeNull();
  });

  it('pass their own error codes to the caller with nothing but code and message', async () => {
    const input = chargeInput();
    await ops.charge(input);
    // A record whose provider is not configured here: reconciling it cannot reach the provider.
    await p.service.models.Payment.updateOne({ orderId: input.orderId }, { $set: { status: 'PENDING', provider: 'elsewhere' } });
    const signer = await createServiceSigner('orders', p.platform.keys.services.orders!.privateKey);
    const token = await signer!.sign('payments', { userId: null, role: 'SERVICE', clientIp: null });
    const r = await postGraphQL<any>(p.url, PAYMENT_FOR_ORDER, { orderId: input.orderId }, { token });
    expect(r.body.errors).toEqual([
      {
        message: expect.stringMatching(/^The payment provider did not answer in time/),
        path: ['paymentForOrder'],
        locations: [{ line: 1, column: expect.any(Number) }],
        extensions: { code: 'PAYMENT_PROVIDER_UNAVAILABLE' },
      },
    ]);
    expect(JSON.stringify(r.body)).not.toContain('elsewhere');
  });
});
