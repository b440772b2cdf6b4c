import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrdersPlatform, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  // The provider takes 5 s to answer, and payments waits for it: a checkout that is slow but completes.
  p = await startOrdersPlatform({ TEST_PROVIDER_DELAY_MS: '5000', PAYMENT_PROVIDER_TIMEOUT_MS: '15000' });
});
afterAll(async () => p?.stop());

describe('a retry while the first call is still charging', () => {
  it('answers with the order as it stands once it exists, without waiting for the charge', async () => {
    const buyer = await p.customer('impatient');
    const tee = await p.variant('19.00', 4);
    await buyer.add(tee.id);
    const key = randomUUID();
    let firstAnswered = false;
    const first = buyer.checkout({ idempotencyKey: key }).then((r) => {
      firstAnswered = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const retry = await buyer.checkout({ idempotencyKey: key });
    expect(firstAnswered).toBe(false);
    expect(retry.errors).toBeUndefined();
    expect(retry.data.checkout.order.status).toBe('PENDING_PAYMENT');
    expect(retry.data.checkout.userErrors.map((e: { code: string }) => e.code)).toEqual(['CHECKOUT_PENDING']);

    const done = await first;
    expect(done.data.checkout.order.status).toBe('CONFIRMED');
    expect(done.data.checkout.order.id).toBe(retry.data.checkout.order.id);
    // And a retry after it finished gets the final answer.
    const after = await buyer.checkout({ idempotencyKey: key });
    expect(after.data.checkout.order.status).toBe('CONFIRMED');
    expect(await p.providerCharges(done.data.checkout.order.id)).toHaveLength(1);
  });
});
