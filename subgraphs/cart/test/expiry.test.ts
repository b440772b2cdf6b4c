import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD, CART, startCartPlatform, type CartPlatform } from './support.js';

/** Guest carts here live 3 seconds after their last change, so expiry can be watched. */
const TTL_MS = 3_000;
let p: CartPlatform;
beforeAll(async () => {
  p = await startCartPlatform({ GUEST_CART_TTL_DAYS: String(TTL_MS / 86_400_000) });
});
afterAll(async () => {
  await p?.platform.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('guest cart expiry', () => {
  it('slides with every change and removes the cart once it passes; a customer cart never expires', async () => {
    const v = await p.variant('2.00', 50);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines.cart;
    expect(Date.parse(cart.expiresAt) - Date.parse(cart.updatedAt)).toBe(TTL_MS);
    await p.customer(ADD, { lines: [{ variantId: v.id, quantity: 1 }] });

    // Two changes, each within the expiry of the one before, keep it alive past the first deadline.
    await sleep(2_000);
    const touched = (await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines;
    expect(touched.userErrors).toEqual([]);
    expect(Date.parse(touched.cart.expiresAt)).toBeGreaterThan(Date.parse(cart.expiresAt));
    await sleep(2_000);
    expect((await p.anonymous(CART, { id: cart.id })).data.cart.totalQuantity).toBe(2);

    await sleep(TTL_MS + 500);
    expect((await p.anonymous(CART, { id: cart.id })).data.cart).toBeNull();
    const late = (await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines;
    expect(late.userErrors.map((e: any) => e.code)).toEqual(['CART_NOT_FOUND']);
    expect((await p.customer(CART, {})).data.cart.totalQuantity).toBe(1);
  });
});
