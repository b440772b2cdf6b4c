import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_PRODUCT } from '@shopcart/testing';
import { userCartId } from '../src/store.js';
import { ADD, CART, startCartPlatform, type CartPlatform } from './support.js';

let p: CartPlatform;
beforeAll(async () => {
  p = await startCartPlatform();
});
afterAll(async () => {
  await p?.platform.stop();
});

const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { accessToken user { id } userErrors { code } } }`;
let counter = 0;

/** A new customer (registered through the router) and a way to sign in again with a guest cart. */
async function newCustomer() {
  const email = `merge-${process.pid}-${++counter}@example.com`;
  const password = 'correct horse battery';
  const r = await p.anonymous('mutation R($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }', { input: { email, password, name: 'Merger' } });
  const userId = r.data.register.user.id as string;
  const login = async (guestCartId?: string) => {
    const res = await p.anonymous(LOGIN, { input: { email, password, ...(guestCartId ? { guestCartId } : {}) } });
    expect(res.data.login.userErrors).toEqual([]);
    return res.data.login.accessToken as string;
  };
  return { userId, token: r.data.register.accessToken as string, login };
}

const cartOf = async (token: string) => (await p.platform.gql(CART, {}, { token })).data.cart;
const guestAdd = async (lines: Array<{ variantId: string; quantity: number }>, cartId?: string) =>
  (await p.anonymous(ADD, { cartId, lines })).data.cartAddLines.cart;

describe('login merges a guest cart', () => {
  it('sums quantities into the user cart, caps them by stock, and deletes the guest cart', async () => {
    const a = await p.variant('10.00', 100);
    const b = await p.variant('2.50', 4);
    const c = await p.variant('1.00', 10);
    const customer = await newCustomer();
    await p.platform.gql(ADD, { lines: [{ variantId: a.id, quantity: 2 }, { variantId: b.id, quantity: 3 }] }, { token: customer.token });
    const guest = await guestAdd([{ variantId: a.id, quantity: 5 }, { variantId: b.id, quantity: 3 }, { variantId: c.id, quantity: 1 }]);

    const token = await customer.login(guest.id);
    const cart = await cartOf(token);
    expect(cart.id).toBe(userCartId(customer.userId));
    expect(cart.expiresAt).toBeNull();
    expect(cart.lines.map((line: any) => [line.variant.id, line.quantity])).toEqual([
      [a.id, 7],
      [b.id, 4], // 3 + 3 capped by the 4 in stock
      [c.id, 1],
    ]);
    expect(await p.raw(guest.id)).toBeNull();
    expect((await p.anonymous(CART, { id: guest.id })).data.cart).toBeNull();
  });

  it('a retried login with the same guest cart changes nothing more', async () => {
    const a = await p.variant('3.00', 50);
    const customer = await newCustomer();
    const guest = await guestAdd([{ variantId: a.id, quantity: 2 }]);
    await customer.login(guest.id);
    await customer.login(guest.id);
    const token = await customer.login(guest.id);
    expect((await cartOf(token)).lines.map((line: any) => line.quantity)).toEqual([2]);
  });

  it('racing logins with one guest cart merge it exactly once', async () => {
    const a = await p.variant('3.00', 50);
    const customer = await newCustomer();
    const guest = await guestAdd([{ variantId: a.id, quantity: 3 }]);
    // Four at once: the login throttle counts in-flight attempts against its per-account budget of five.
    const tokens = await Promise.all(Array.from({ length: 4 }, () => customer.login(guest.id)));
    expect((await cartOf(tokens[0]!)).lines.map((line: any) => line.quantity)).toEqual([3]);
  });

  it('variants no longer on sale stay behind; a guest cart id that does not exist changes nothing', async () => {
    const gone = await p.variant('3.00', 50);
    const kept = await p.variant('4.00', 50);
    const customer = await newCustomer();
    const guest = await guestAdd([{ variantId: gone.id, quantity: 1 }, { variantId: kept.id, quantity: 1 }]);
    await p.admin(ARCHIVE_PRODUCT, { id: gone.productId });
    const token = await customer.login(guest.id);
    expect((await cartOf(token)).lines.map((line: any) => line.variant?.id ?? null)).toEqual([kept.id]);

    const other = await newCustomer();
    await other.login('AAAAAAAAAAAAAAAAAAAAAA');
    await other.login('not/a/cart');
    expect(await cartOf(other.token)).toBeNull();
  });

  it("a user's cart cannot be merged into another user's cart", async () => {
    const a = await p.variant('3.00', 50);
    const owner = await newCustomer();
    const mine = (await p.platform.gql(ADD, { lines: [{ variantId: a.id, quantity: 2 }] }, { token: owner.token })).data.cartAddLines.cart;
    const thief = await newCustomer();
    const token = await thief.login(mine.id);
    expect(await cartOf(token)).toBeNull();
    expect((await cartOf(owner.token)).lines[0].quantity).toBe(2);
  });
});
