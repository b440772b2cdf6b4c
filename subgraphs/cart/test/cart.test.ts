import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_PRODUCT } from '@shopcart/testing';
import { ADD, CART, REMOVE, startCartPlatform, UPDATE, type CartPlatform } from './support.js';

let p: CartPlatform;
beforeAll(async () => {
  // 100 concurrent adds each read products and inventory (FerretDB) on a busy 2-core machine: timeouts are generous.
  p = await startCartPlatform({ CATALOG_TIMEOUT_MS: '20000', SUBGRAPH_TIMEOUT_MS: '30000', ROUTER_REQUEST_TIMEOUT_MS: '30000', SUBGRAPH_BREAKER_MIN_REQUESTS: '1000' });
});
afterAll(async () => {
  await p?.platform.stop();
});

const DAY = 86_400_000;

describe('guest carts', () => {
  it('the first add without a cart id creates a guest cart with an unguessable id and a 30-day expiry', async () => {
    const shirt = await p.variant('19.99', 10);
    const before = Date.now();
    const r = await p.anonymous(ADD, { lines: [{ variantId: shirt.id, quantity: 3 }] });
    expect(r.errors).toBeUndefined();
    const { cart, userErrors } = r.data.cartAddLines;
    expect(userErrors).toEqual([]);
    // 128 random bits as base64url: 22 characters.
    expect(cart.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cart.totalQuantity).toBe(3);
    expect(cart.subtotal).toEqual({ amount: '59.97', currencyCode: 'USD' });
    expect(cart.lines).toHaveLength(1);
    expect(cart.lines[0]).toMatchObject({ quantity: 3, variant: { id: shirt.id, sku: shirt.sku }, unitPrice: { amount: '19.99' }, lineTotal: { amount: '59.97' } });
    const expiresAt = Date.parse(cart.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY - 1_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY + 1_000);
    const ttl = await p.redis.pttl(`cart:${cart.id}`);
    expect(ttl).toBeGreaterThan(30 * DAY - 60_000);
  });

  it('adding a variant already in the cart adds to its line; a later add slides the expiry', async () => {
    const a = await p.variant('0.10', 50);
    const b = await p.variant('0.20', 50);
    const first = (await p.anonymous(ADD, { lines: [{ variantId: a.id, quantity: 1 }] })).data.cartAddLines.cart;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const r = await p.anonymous(ADD, { cartId: first.id, lines: [{ variantId: a.id, quantity: 2 }, { variantId: b.id, quantity: 1 }, { variantId: b.id, quantity: 1 }] });
    const cart = r.data.cartAddLines.cart;
    expect(r.data.cartAddLines.userErrors).toEqual([]);
    expect(cart.id).toBe(first.id);
    expect(cart.lines.map((line: any) => [line.variant.id, line.quantity])).toEqual([
      [a.id, 3],
      [b.id, 2],
    ]);
    // 3 x 0.10 + 2 x 0.20 in minor units: exact, no float drift.
    expect(cart.subtotal.amount).toBe('0.70');
    expect(Date.parse(cart.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt));
    expect(Date.parse(cart.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
  });

  it('updates quantities, removes a line with 0, and removes lines by id', async () => {
    const a = await p.variant('5.00', 20);
    const b = await p.variant('7.50', 20);
    const c = await p.variant('1.25', 20);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: a.id, quantity: 1 }, { variantId: b.id, quantity: 1 }, { variantId: c.id, quantity: 1 }] })).data.cartAddLines
      .cart;
    const [la, lb, lc] = cart.lines;
    const updated = (await p.anonymous(UPDATE, { cartId: cart.id, lines: [{ lineId: la.id, quantity: 4 }, { lineId: lb.id, quantity: 0 }] })).data.cartUpdateLines;
    expect(updated.userErrors).toEqual([]);
    expect(updated.cart.lines.map((line: any) => [line.id, line.quantity])).toEqual([
      [la.id, 4],
      [lc.id, 1],
    ]);
    expect(updated.cart.subtotal.amount).toBe('21.25');
    const removed = (await p.anonymous(REMOVE, { cartId: cart.id, lineIds: [lc.id] })).data.cartRemoveLines;
    expect(removed.cart.lines.map((line: any) => line.id)).toEqual([la.id]);
    expect(removed.cart.totalQuantity).toBe(4);
    const read = (await p.anonymous(CART, { id: cart.id })).data.cart;
    expect(read).toEqual(removed.cart);
  });

  it('reads a missing, malformed or expired cart as null, and only by id for anonymous callers', async () => {
    expect((await p.anonymous(CART, { id: 'AAAAAAAAAAAAAAAAAAAAAA' })).data.cart).toBeNull();
    expect((await p.anonymous(CART, { id: 'not a cart/../id' })).data.cart).toBeNull();
    const r = await p.anonymous(CART, {});
    expect(r.errors).toBeUndefined();
    expect(r.data.cart).toBeNull();
  });
});

describe('signed-in carts', () => {
  it("a customer's cart has a stable id, never expires and is read without an id", async () => {
    const v = await p.variant('3.00', 10);
    const first = (await p.customer(ADD, { lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines.cart;
    const second = (await p.customer(ADD, { lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines.cart;
    expect(second.id).toBe(first.id);
    expect(second.expiresAt).toBeNull();
    expect(await p.redis.pttl(`cart:${first.id}`)).toBe(-1);
    const mine = (await p.customer(CART, {})).data.cart;
    expect(mine.id).toBe(first.id);
    expect(mine.lines[0].quantity).toBe(2);
  });

  it("another customer's cart is FORBIDDEN to read and to change, and stays as it was", async () => {
    const v = await p.variant('3.00', 10);
    const mine = (await p.customer(ADD, { lines: [{ variantId: v.id, quantity: 1 }] })).data.cartAddLines.cart;
    const before = await p.raw(mine.id);
    const read = await p.anonymous(CART, { id: mine.id });
    expect(read.data.cart).toBeNull();
    expect(read.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(read.errors?.[0]?.path).toEqual(['cart']);
    const byAdmin = await p.admin(CART, { id: mine.id });
    expect(byAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const [query, variables, key] of [
      [ADD, { cartId: mine.id, lines: [{ variantId: v.id, quantity: 1 }] }, 'cartAddLines'],
      [UPDATE, { cartId: mine.id, lines: [{ lineId: mine.lines[0].id, quantity: 5 }] }, 'cartUpdateLines'],
      [REMOVE, { cartId: mine.id, lineIds: [mine.lines[0].id] }, 'cartRemoveLines'],
    ] as const) {
      const r = await p.admin(query, variables);
      expect(r.data[key]).toEqual({ cart: null, userErrors: [expect.objectContaining({ code: 'FORBIDDEN', field: ['cartId'] })] });
      const anon = await p.anonymous(query, variables);
      expect(anon.data[key].userErrors[0].code).toBe('FORBIDDEN');
    }
    expect(await p.raw(mine.id)).toBe(before);
  });
});

describe('rejected changes', () => {
  async function guestCart() {
    const v = await p.variant('2.00', 5);
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 2 }] })).data.cartAddLines.cart;
    return { v, cart, before: await p.raw(cart.id) };
  }

  async function rejected(query: string, variables: Record<string, unknown>, key: string, code: string, field?: string[]) {
    const r = await p.anonymous(query, variables);
    expect(r.errors).toBeUndefined();
    expect(r.data[key].cart).toBeNull();
    expect(r.data[key].userErrors).toHaveLength(1);
    expect(r.data[key].userErrors[0].code).toBe(code);
    expect(r.data[key].userErrors[0].message).toEqual(expect.any(String));
    if (field) expect(r.data[key].userErrors[0].field).toEqual(field);
  }

  it('INVALID_QUANTITY: below 1, above 99, or a line summed past 99', async () => {
    const { v, cart, before } = await guestCart();
    const big = await p.variant('1.00', 500);
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 0 }] }, 'cartAddLines', 'INVALID_QUANTITY', ['lines', '0', 'quantity']);
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: big.id, quantity: 1 }, { variantId: v.id, quantity: -1 }] }, 'cartAddLines', 'INVALID_QUANTITY', ['lines', '1', 'quantity']);
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: big.id, quantity: 100 }] }, 'cartAddLines', 'INVALID_QUANTITY');
    await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: big.id, quantity: 90 }] });
    const withBig = await p.raw(cart.id);
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: big.id, quantity: 10 }] }, 'cartAddLines', 'INVALID_QUANTITY', ['lines', '0', 'quantity']);
    const line = JSON.parse(before!).lines[0];
    await rejected(UPDATE, { cartId: cart.id, lines: [{ lineId: line.id, quantity: 100 }] }, 'cartUpdateLines', 'INVALID_QUANTITY', ['lines', '0', 'quantity']);
    await rejected(UPDATE, { cartId: cart.id, lines: [{ lineId: line.id, quantity: -1 }] }, 'cartUpdateLines', 'INVALID_QUANTITY');
    expect(await p.raw(cart.id)).toBe(withBig);
    // No cart is created by a rejected first add.
    const keys = await p.redis.keys('cart:*');
    await rejected(ADD, { lines: [{ variantId: v.id, quantity: 0 }] }, 'cartAddLines', 'INVALID_QUANTITY');
    expect(await p.redis.keys('cart:*')).toHaveLength(keys.length);
  });

  it('VARIANT_NOT_FOUND: unknown ids and variants of products that are not ACTIVE', async () => {
    const { cart, before } = await guestCart();
    const archived = await p.variant('4.00', 5);
    const ok = await p.variant('4.00', 5);
    await p.admin(ARCHIVE_PRODUCT, { id: archived.productId });
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: 'no-such-variant', quantity: 1 }] }, 'cartAddLines', 'VARIANT_NOT_FOUND', ['lines', '0', 'variantId']);
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: ok.id, quantity: 1 }, { variantId: archived.id, quantity: 1 }] }, 'cartAddLines', 'VARIANT_NOT_FOUND', [
      'lines',
      '1',
      'variantId',
    ]);
    expect(await p.raw(cart.id)).toBe(before);
  });

  it('OUT_OF_STOCK: more than available, counting what the cart already holds; lowering is always allowed', async () => {
    const { v, cart, before } = await guestCart();
    await rejected(ADD, { cartId: cart.id, lines: [{ variantId: v.id, quantity: 4 }] }, 'cartAddLines', 'OUT_OF_STOCK', ['lines', '0', 'quantity']);
    const line = JSON.parse(before!).lines[0];
    await rejected(UPDATE, { cartId: cart.id, lines: [{ lineId: line.id, quantity: 6 }] }, 'cartUpdateLines', 'OUT_OF_STOCK', ['lines', '0', 'quantity']);
    expect(await p.raw(cart.id)).toBe(before);
    await p.setStock(v.sku, 1);
    const lowered = await p.anonymous(UPDATE, { cartId: cart.id, lines: [{ lineId: line.id, quantity: 1 }] });
    expect(lowered.data.cartUpdateLines.cart.lines[0].quantity).toBe(1);
  });

  it('CART_NOT_FOUND for unknown and malformed ids; NOT_FOUND for unknown lines; INVALID_INPUT for no lines', async () => {
    const { v, cart, before } = await guestCart();
    await rejected(ADD, { cartId: 'AAAAAAAAAAAAAAAAAAAAAA', lines: [{ variantId: v.id, quantity: 1 }] }, 'cartAddLines', 'CART_NOT_FOUND', ['cartId']);
    await rejected(ADD, { cartId: '../../etc', lines: [{ variantId: v.id, quantity: 1 }] }, 'cartAddLines', 'CART_NOT_FOUND');
    await rejected(UPDATE, { cartId: 'AAAAAAAAAAAAAAAAAAAAAA', lines: [{ lineId: 'x', quantity: 1 }] }, 'cartUpdateLines', 'CART_NOT_FOUND');
    await rejected(REMOVE, { cartId: 'AAAAAAAAAAAAAAAAAAAAAA', lineIds: ['x'] }, 'cartRemoveLines', 'CART_NOT_FOUND');
    const line = JSON.parse(before!).lines[0];
    await rejected(UPDATE, { cartId: cart.id, lines: [{ lineId: line.id, quantity: 1 }, { lineId: 'nope', quantity: 1 }] }, 'cartUpdateLines', 'NOT_FOUND', ['lines', '1', 'lineId']);
    await rejected(REMOVE, { cartId: cart.id, lineIds: [line.id, 'nope'] }, 'cartRemoveLines', 'NOT_FOUND', ['lineIds', '1']);
    await rejected(ADD, { cartId: cart.id, lines: [] }, 'cartAddLines', 'INVALID_INPUT', ['lines']);
    await rejected(REMOVE, { cartId: cart.id, lineIds: [] }, 'cartRemoveLines', 'INVALID_INPUT', ['lineIds']);
    expect(await p.raw(cart.id)).toBe(before);
  });

  it('input of the wrong type is refused by the schema before anything runs', async () => {
    const { cart, before } = await guestCart();
    const r = await p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: 'x', quantity: 'two' }] });
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await p.raw(cart.id)).toBe(before);
  });
});

describe('concurrency', () => {
  it('100 concurrent adds to one cart lose no update', async () => {
    const variants = await Promise.all([1, 2, 3, 4, 5].map(() => p.variant('1.00', 1_000)));
    const cart = (await p.anonymous(ADD, { lines: [{ variantId: variants[0]!.id, quantity: 1 }] })).data.cartAddLines.cart;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => p.anonymous(ADD, { cartId: cart.id, lines: [{ variantId: variants[i % 5]!.id, quantity: 1 }] })),
    );
    expect(results.filter((r) => r.errors || r.data.cartAddLines.userErrors.length)).toEqual([]);
    const final = (await p.anonymous(CART, { id: cart.id })).data.cart;
    expect(final.totalQuantity).toBe(101);
    expect(final.lines.map((line: any) => line.quantity)).toEqual([21, 20, 20, 20, 20]);
    expect(final.subtotal.amount).toBe('101.00');
  });
});
