import { createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, ARCHIVE_PRODUCT } from '@shopcart/testing';
import { userCartId } from '../src/store.js';
import { ADD, serviceErrorCode, startCartPlatform, type CartPlatform } from './support.js';

let p: CartPlatform;
beforeAll(async () => {
  p = await startCartPlatform();
});
afterAll(async () => {
  await p?.platform.stop();
});

const CHECKOUT_CART = `query C($cartId: ID, $userId: ID!) {
  checkoutCart(cartId: $cartId, userId: $userId) {
    id subtotal { amount currencyCode }
    lines { id variantId sku title quantity unitPrice { amount currencyCode } lineTotal { amount } purchasable }
  }
}`;
const CLEAR = 'mutation Clear($cartId: ID!, $userId: ID!, $orderId: ID!) { clearCart(cartId: $cartId, userId: $userId, orderId: $orderId) }';
const MERGE = 'mutation M($guestCartId: ID!, $userId: ID!) { mergeGuestCart(guestCartId: $guestCartId, userId: $userId) }';

describe('checkout view of a cart (services only)', () => {
  it('prices every line at the current price and marks variants no longer on sale', async () => {
    const a = await p.variant('10.00', 20);
    const b = await p.variant('3.33', 20);
    await p.customer(ADD, { lines: [{ variantId: a.id, quantity: 2 }, { variantId: b.id, quantity: 3 }] });
    // A price change after the add.
    const repriced = await p.admin('mutation R($id: ID!) { updateVariant(id: $id, input: { price: "12.50" }) { userErrors { code } } }', { id: a.id });
    expect(repriced.data.updateVariant.userErrors).toEqual([]);
    await p.admin(ARCHIVE_PRODUCT, { id: b.productId });

    const { checkoutCart } = await p.internal(CHECKOUT_CART, { userId: p.customerId });
    expect(checkoutCart.id).toBe(userCartId(p.customerId));
    expect(checkoutCart.lines).toEqual([
      expect.objectContaining({ variantId: a.id, sku: a.sku, title: expect.stringContaining('Cart Tee'), quantity: 2, unitPrice: { amount: '12.50', currencyCode: 'USD' }, lineTotal: { amount: '25.00' }, purchasable: true }),
      expect.objectContaining({ variantId: b.id, quantity: 3, purchasable: false }),
    ]);
    expect(checkoutCart.subtotal).toEqual({ amount: '25.00', currencyCode: 'USD' });
  });

  it("null for a cart that does not exist; FORBIDDEN for another user's cart", async () => {
    expect((await p.internal(CHECKOUT_CART, { userId: 'nobody-has-this-id' })).checkoutCart).toBeNull();
    expect((await p.internal(CHECKOUT_CART, { cartId: 'AAAAAAAAAAAAAAAAAAAAAA', userId: p.customerId })).checkoutCart).toBeNull();
    expect(await serviceErrorCode(p.internal(CHECKOUT_CART, { cartId: userCartId(p.customerId), userId: p.adminId }))).toBe('FORBIDDEN');
  });
});

describe('clearing a cart after an order (services only)', () => {
  it('empties the cart once per order; a repeat is a no-op that does not clear a newer cart', async () => {
    const v = await p.variant('1.00', 20);
    const token = (await p.anonymous('mutation { register(input: { email: "clear@example.com", password: "correct horse battery", name: "C" }) { accessToken user { id } } }')).data
      .register;
    await p.platform.gql(ADD, { lines: [{ variantId: v.id, quantity: 1 }] }, { token: token.accessToken });
    const cartId = userCartId(token.user.id);
    expect((await p.internal(CLEAR, { cartId, userId: token.user.id, orderId: 'order-1' })).clearCart).toBe(true);
    expect(await p.raw(cartId)).toBeNull();
    // The customer shops again; the same order's clear, retried, must not touch the new cart.
    await p.platform.gql(ADD, { lines: [{ variantId: v.id, quantity: 2 }] }, { token: token.accessToken });
    expect((await p.internal(CLEAR, { cartId, userId: token.user.id, orderId: 'order-1' })).clearCart).toBe(true);
    expect(JSON.parse((await p.raw(cartId))!).lines[0].quantity).toBe(2);
  });

  it("refuses to clear another user's cart and leaves it as it was", async () => {
    const v = await p.variant('1.00', 20);
    await p.customer(ADD, { lines: [{ variantId: v.id, quantity: 1 }] });
    const cartId = userCartId(p.customerId);
    const before = await p.raw(cartId);
    expect(await serviceErrorCode(p.internal(CLEAR, { cartId, userId: p.adminId, orderId: 'order-x' }))).toBe('FORBIDDEN');
    expect(await p.raw(cartId)).toBe(before);
  });
});

describe('internal operations', () => {
  it('are refused to customers, admins and anonymous callers, and are not in the public API', async () => {
    const router = createIdentitySigner('shopcart-router', await importPrivateKey(p.platform.keys.routerPrivate));
    const url = p.platform.subgraphUrls.cart!;
    for (const role of ['ANONYMOUS', 'CUSTOMER', 'ADMIN'] as const) {
      const token = await router.sign('cart', { userId: role === 'ANONYMOUS' ? null : p.customerId, role, clientIp: null });
      for (const [query, variables] of [
        [CHECKOUT_CART, { userId: p.customerId }],
        [CLEAR, { cartId: userCartId(p.customerId), userId: p.customerId, orderId: 'o' }],
        [MERGE, { guestCartId: 'AAAAAAAAAAAAAAAAAAAAAA', userId: p.customerId }],
      ] as const) {
        const r = await postGraphQL<any>(url, query, variables, { token });
        expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
    const viaRouter = await p.admin(CHECKOUT_CART, { userId: p.customerId });
    expect(viaRouter.status).toBe(400);
    expect(viaRouter.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('requests without router or service identity are refused whole', async () => {
    const r = await postGraphQL<any>(p.platform.subgraphUrls.cart!, '{ cart { id } }');
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

/** The sum of a metric's samples whose labels include every given one (label order is the registry's). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('metrics', () => {
  it('count cart changes by outcome and time store commands (Redis here, MongoDB in products)', async () => {
    const v = await p.variant('1.00', 5);
    await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 1 }] });
    await p.anonymous(ADD, { lines: [{ variantId: v.id, quantity: 100 }] });
    const cart = await (await fetch(p.platform.metricsUrls.cart!)).text();
    expect(sample(cart, 'cart_changes_total', { operation: 'add', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(cart, 'cart_changes_total', { operation: 'add', outcome: 'INVALID_QUANTITY' })).toBeGreaterThan(0);
    const scripts = sample(cart, 'store_command_duration_seconds_count', { store: 'redis', command: 'evalsha', outcome: 'ok' }) + sample(cart, 'store_command_duration_seconds_count', { store: 'redis', command: 'eval', outcome: 'ok' });
    expect(scripts).toBeGreaterThan(0);
    const products = await (await fetch(p.platform.metricsUrls.products!)).text();
    expect(sample(products, 'store_command_duration_seconds_count', { store: 'mongodb', command: 'find', outcome: 'ok' })).toBeGreaterThan(0);
  });
});
