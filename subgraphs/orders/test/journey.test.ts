import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, CANCEL, ORDER, UPDATE_STATUS, startOrdersPlatform, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  p = await startOrdersPlatform();
});
afterAll(async () => p?.stop());

const LEVEL = 'query($slug: String) { product(slug: $slug) { variants { sku inventory { available } } } }';

describe('a customer journey through the router', () => {
  it('browse -> guest cart -> login merge -> checkout -> tracking -> cancel and refund', { timeout: 120_000 }, async () => {
    // An admin stocks the catalog.
    const lamp = await p.variant('35.00', 6, 'Journey Desk Lamp');
    const bulb = await p.variant('4.50', 20, 'Journey Bulb');

    // Browsing anonymously: search with live stock.
    const search = await p.anonymous('query($q: String) { products(query: $q, first: 5) { nodes { title slug variants { id sku inventory { available } } } } }', { q: 'Journey Desk Lamp' });
    const found = search.data.products.nodes.find((node: { title: string }) => node.title === 'Journey Desk Lamp');
    expect(found.variants[0]).toMatchObject({ id: lamp.id, inventory: { available: 6 } });

    // A guest cart, merged into the account at sign-in.
    const guest = await p.anonymous('mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id totalQuantity } } }', {
      l: [{ variantId: lamp.id, quantity: 2 }, { variantId: bulb.id, quantity: 4 }],
    });
    const guestCartId = guest.data.cartAddLines.cart.id;
    const email = `journey-${randomUUID()}@example.com`;
    await p.anonymous('mutation($i: RegisterInput!) { register(input: $i) { user { id } } }', { i: { email, password: 'correct horse battery', name: 'Journey' } });
    const login = await p.anonymous('mutation($i: LoginInput!) { login(input: $i) { accessToken user { id } userErrors { code } } }', {
      i: { email, password: 'correct horse battery', guestCartId },
    });
    const token = login.data.login.accessToken as string;
    const me = (query: string, variables?: Record<string, unknown>) => p.platform.gql(query, variables, { token });
    const cart = await me('{ cart { id totalQuantity subtotal { amount } lines { quantity variant { sku } } } }');
    expect(cart.data.cart).toMatchObject({ totalQuantity: 6, subtotal: { amount: '88.00' } });

    // Checkout to a saved address.
    const address = await me('mutation($i: AddressInput!) { addAddress(input: $i) { address { id } } }', { i: ADDRESS });
    const checkout = await me(
      `mutation($i: CheckoutInput!) { checkout(input: $i) { userErrors { code } order { id number status total { amount } shippingTotal { amount }
        payment { status last4 } lines { sku quantity } customer { email } } } }`,
      { i: { shippingAddressId: address.data.addAddress.address.id, paymentToken: 'tok_visa', idempotencyKey: randomUUID() } },
    );
    expect(checkout.data.checkout.userErrors).toEqual([]);
    const order = checkout.data.checkout.order;
    expect(order).toMatchObject({ status: 'CONFIRMED', total: { amount: '88.00' }, shippingTotal: { amount: '0.00' }, payment: { status: 'CAPTURED', last4: '4242' }, customer: { email } });
    expect((await me('{ cart { totalQuantity } }')).data.cart?.totalQuantity ?? 0).toBe(0);
    const slug = found.slug as string;
    expect((await p.anonymous(LEVEL, { slug })).data.product.variants[0].inventory.available).toBe(4);

    // Tracking: the customer follows what the admin does.
    await p.admin(UPDATE_STATUS, { id: order.id, status: 'PACKED', note: 'Packed with care' });
    const history = await me('{ me { orders(first: 5) { totalCount nodes { number status events { status note } } } } }');
    expect(history.data.me.orders).toMatchObject({ totalCount: 1, nodes: [{ number: order.number, status: 'PACKED' }] });
    expect(history.data.me.orders.nodes[0].events.at(-1)).toEqual({ status: 'PACKED', note: 'Packed with care' });

    // Cancel before shipping: the stock comes back, the money too.
    const cancelled = await me(CANCEL, { id: order.id, reason: 'Found a better lamp' });
    expect(cancelled.data.cancelOrder.order).toMatchObject({ status: 'CANCELLED', payment: { status: 'REFUNDED' } });
    expect((await p.anonymous(LEVEL, { slug })).data.product.variants[0].inventory.available).toBe(6);

    // A second order goes all the way, and is refunded after delivery (a return).
    await me('mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id } } }', { l: [{ variantId: bulb.id, quantity: 2 }] });
    const second = await me(`mutation($i: CheckoutInput!) { checkout(input: $i) { order { id total { amount } } userErrors { code } } }`, {
      i: { shippingAddress: { ...ADDRESS, city: 'Leeds' }, paymentToken: 'tok_visa', idempotencyKey: randomUUID() },
    });
    const secondId = second.data.checkout.order.id;
    expect(second.data.checkout.order.total.amount).toBe('13.99');
    await p.admin(UPDATE_STATUS, { id: secondId, status: 'PACKED' });
    await p.admin(UPDATE_STATUS, { id: secondId, status: 'SHIPPED', shipment: { carrier: 'Royal Mail', trackingNumber: 'RM123456789GB' } });
    await p.admin(UPDATE_STATUS, { id: secondId, status: 'OUT_FOR_DELIVERY' });
    await p.admin(UPDATE_STATUS, { id: secondId, status: 'DELIVERED' });
    const tracked = (await me(ORDER, { id: secondId })).data.order;
    expect(tracked).toMatchObject({ status: 'DELIVERED', shipment: { carrier: 'Royal Mail', trackingNumber: 'RM123456789GB' }, shippingAddress: { city: 'Leeds' } });
    expect(tracked.events.map((e: { status: string }) => e.status)).toEqual(['PENDING_PAYMENT', 'CONFIRMED', 'PACKED', 'SHIPPED', 'OUT_FOR_DELIVERY', 'DELIVERED']);
    const refunded = await p.admin(UPDATE_STATUS, { id: secondId, status: 'REFUNDED', note: 'Returned' });
    expect(refunded.data.updateOrderStatus.order).toMatchObject({ status: 'REFUNDED', payment: { status: 'REFUNDED' } });

    // The admin's view of the shop.
    const all = await p.admin('{ orders(status: CANCELLED, first: 100) { nodes { id } } }');
    expect(all.data.orders.nodes.map((n: { id: string }) => n.id)).toContain(order.id);
  });
});
