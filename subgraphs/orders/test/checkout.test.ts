import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, CART, startOrdersPlatform, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  p = await startOrdersPlatform({ SHIPPING_FLAT_RATE: '4.99', FREE_SHIPPING_FROM: '50.00' });
});
afterAll(async () => p?.stop());

const codes = (r: { data: any }) => r.data.checkout.userErrors.map((e: { code: string }) => e.code);
const ordersOf = (customerId: string) => p.service.models.Order.countDocuments({ customerId });
const keysOf = (customerId: string) => p.service.models.Checkout.countDocuments({ customerId });

describe('checkout', () => {
  it('places, charges and confirms an order from the cart, with snapshots, shipping and a friendly number', async () => {
    const buyer = await p.customer('happy');
    const tee = await p.variant('19.99', 10, 'Happy Tee');
    const mug = await p.variant('7.50', 5, 'Happy Mug');
    await buyer.add(tee.id, 2);
    await buyer.add(mug.id, 1);

    const r = await buyer.checkout();
    expect(r.errors).toBeUndefined();
    expect(r.data.checkout.userErrors).toEqual([]);
    const order = r.data.checkout.order;
    expect(order.status).toBe('CONFIRMED');
    expect(order.number).toMatch(/^SC-1\d{5}$/);
    expect(order.customer).toEqual({ id: buyer.id, email: buyer.email });
    expect(order.lines.map((l: any) => [l.sku, l.title, l.quantity, l.unitPrice.amount, l.lineTotal.amount, l.variant?.id])).toEqual([
      [tee.sku, expect.stringContaining('Happy Tee'), 2, '19.99', '39.98', tee.id],
      [mug.sku, expect.stringContaining('Happy Mug'), 1, '7.50', '7.50', mug.id],
    ]);
    expect(order.subtotal).toEqual({ amount: '47.48', currencyCode: 'USD' });
    expect(order.shippingTotal).toEqual({ amount: '4.99', currencyCode: 'USD' });
    expect(order.total).toEqual({ amount: '52.47', currencyCode: 'USD' });
    expect(order.shippingAddress).toMatchObject({ id: buyer.addressId, fullName: ADDRESS.fullName, countryCode: 'GB', isDefault: false });
    expect(order.payment).toEqual({ status: 'CAPTURED', amount: { amount: '52.47', currencyCode: 'USD' }, provider: 'test', last4: '4242' });
    expect(order.events.map((e: any) => e.status)).toEqual(['PENDING_PAYMENT', 'CONFIRMED']);
    expect(order.shipment).toBeNull();

    expect(await p.available(tee.sku)).toBe(8);
    expect(await p.available(mug.sku)).toBe(4);
    expect(await p.holds(tee.sku)).toEqual([]);
    const cart = await buyer.gql(CART);
    expect(cart.data.cart?.totalQuantity ?? 0).toBe(0);
    expect(await p.providerCharges(order.id)).toHaveLength(1);
  });

  it('ships free from the configured subtotal up', async () => {
    const buyer = await p.customer('free-shipping');
    const coat = await p.variant('50.00', 3, 'Coat');
    await buyer.add(coat.id, 1);
    const r = await buyer.checkout();
    expect(r.data.checkout.order.shippingTotal.amount).toBe('0.00');
    expect(r.data.checkout.order.total.amount).toBe('50.00');
  });

  it('keeps the price paid when the catalog price changes later', async () => {
    const buyer = await p.customer('snapshot');
    const tee = await p.variant('12.00', 3, 'Snapshot Tee');
    await buyer.add(tee.id, 1);
    const placed = (await buyer.checkout({ shippingAddressId: null, shippingAddress: { ...ADDRESS, countryCode: 'de', line2: '  ' } })).data.checkout.order;
    expect(placed.shippingAddress).toMatchObject({ countryCode: 'DE', line2: null, id: `${placed.id}-shipping` });
    await p.admin('mutation($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { userErrors { code } } }', {
      id: tee.productId,
      input: { title: 'Renamed Tee' },
    });
    const again = await buyer.gql('query($id: ID!) { order(id: $id) { lines { title unitPrice { amount } } } }', { id: placed.id });
    expect(again.data.order.lines).toEqual([{ title: placed.lines[0].title, unitPrice: { amount: '12.00' } }]);
    expect(placed.lines[0].title).toContain('Snapshot Tee');
  });

  it('refuses an empty cart (CART_EMPTY) and keeps no idempotency key for it', async () => {
    const buyer = await p.customer('empty');
    const key = randomUUID();
    const r = await buyer.checkout({ idempotencyKey: key });
    expect(r.data.checkout).toMatchObject({ order: null });
    expect(codes(r)).toEqual(['CART_EMPTY']);
    expect(await keysOf(buyer.id)).toBe(0);
    // The same key works once the cart has something in it.
    const tee = await p.variant('5.00', 2);
    await buyer.add(tee.id);
    expect((await buyer.checkout({ idempotencyKey: key })).data.checkout.order.status).toBe('CONFIRMED');
  });

  it("answers CART_NOT_FOUND for an unknown cart and for someone else's cart, and changes nothing", async () => {
    const [owner, thief] = [await p.customer('owner'), await p.customer('thief')];
    const tee = await p.variant('9.00', 4);
    const cartId = await owner.add(tee.id, 2);
    expect(codes(await thief.checkout({ cartId }))).toEqual(['CART_NOT_FOUND']);
    expect(codes(await thief.checkout({ cartId: randomUUID() }))).toEqual(['CART_NOT_FOUND']);
    expect(await p.available(tee.sku)).toBe(4);
    expect(await ordersOf(thief.id)).toBe(0);
    expect((await owner.gql(CART)).data.cart.totalQuantity).toBe(2);
  });

  it('checks out a guest cart by id', async () => {
    const buyer = await p.customer('guest-cart');
    const tee = await p.variant('3.00', 4);
    const guest = await p.anonymous(`mutation($lines: [CartLineInput!]!) { cartAddLines(lines: $lines) { cart { id } } }`, { lines: [{ variantId: tee.id, quantity: 2 }] });
    const r = await buyer.checkout({ cartId: guest.data.cartAddLines.cart.id });
    expect(r.data.checkout.order.lines[0].quantity).toBe(2);
    expect(await p.available(tee.sku)).toBe(2);
  });

  it('needs an address: ADDRESS_REQUIRED, or INVALID_ADDRESS for a bad one, and holds no stock', async () => {
    const [buyer, other] = [await p.customer('address'), await p.customer('other-address')];
    const tee = await p.variant('8.00', 5);
    await buyer.add(tee.id);
    expect(codes(await buyer.checkout({ shippingAddressId: null }))).toEqual(['ADDRESS_REQUIRED']);
    const bad = await buyer.checkout({ shippingAddressId: null, shippingAddress: { ...ADDRESS, countryCode: 'XX' } });
    expect(bad.data.checkout.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_ADDRESS', field: ['input', 'shippingAddress', 'countryCode'] })]);
    expect(codes(await buyer.checkout({ shippingAddress: ADDRESS }))).toEqual(['INVALID_ADDRESS']);
    expect(codes(await buyer.checkout({ shippingAddressId: other.addressId }))).toEqual(['INVALID_ADDRESS']);
    expect(codes(await buyer.checkout({ shippingAddressId: 'nope' }))).toEqual(['INVALID_ADDRESS']);
    expect(await p.available(tee.sku)).toBe(5);
    expect(await p.holds(tee.sku)).toEqual([]);
    expect(await ordersOf(buyer.id)).toBe(0);
    expect(await keysOf(buyer.id)).toBe(0);
  });

  it('names the lines that are short (OUT_OF_STOCK) and takes nothing', async () => {
    const buyer = await p.customer('short');
    const plenty = await p.variant('4.00', 10, 'Plenty Socks');
    const scarce = await p.variant('6.00', 1, 'Scarce Scarf');
    await buyer.add(plenty.id, 2);
    await buyer.add(scarce.id, 1);
    await p.admin('mutation($sku: String!) { setInventory(sku: $sku, available: 0) { userErrors { code } } }', { sku: scarce.sku });
    const r = await buyer.checkout();
    expect(r.data.checkout.order).toBeNull();
    expect(r.data.checkout.userErrors).toHaveLength(1);
    expect(r.data.checkout.userErrors[0].code).toBe('OUT_OF_STOCK');
    expect(r.data.checkout.userErrors[0].message).toContain('Scarce Scarf');
    expect(r.data.checkout.userErrors[0].message).toContain(scarce.sku);
    expect(r.data.checkout.userErrors[0].message).not.toContain('Plenty Socks');
    expect(await p.available(plenty.sku)).toBe(10);
    expect(await p.holds(plenty.sku)).toEqual([]);
    expect(await ordersOf(buyer.id)).toBe(0);
    expect((await buyer.gql(CART)).data.cart.totalQuantity).toBe(3);
  });

  it('refuses variants no longer sold (VARIANT_NOT_FOUND)', async () => {
    const buyer = await p.customer('archived');
    const tee = await p.variant('4.00', 10, 'Retired Tee');
    await buyer.add(tee.id);
    await p.admin('mutation($id: ID!) { archiveProduct(id: $id) { userErrors { code } } }', { id: tee.productId });
    const r = await buyer.checkout();
    expect(codes(r)).toEqual(['VARIANT_NOT_FOUND']);
    expect(r.data.checkout.userErrors[0].message).toContain(tee.sku);
    expect(await p.available(tee.sku)).toBe(10);
  });

  it('records a declined card as PAYMENT_FAILED (PAYMENT_DECLINED) and gives the stock back', async () => {
    const buyer = await p.customer('declined');
    const tee = await p.variant('30.00', 3);
    await buyer.add(tee.id, 2);
    const r = await buyer.checkout({ paymentToken: 'tok_chargeDeclined' });
    expect(codes(r)).toEqual(['PAYMENT_DECLINED']);
    const order = r.data.checkout.order;
    expect(order.status).toBe('PAYMENT_FAILED');
    expect(order.payment).toMatchObject({ status: 'FAILED' });
    expect(order.events.map((e: any) => e.status)).toEqual(['PENDING_PAYMENT', 'PAYMENT_FAILED']);
    expect(await p.available(tee.sku)).toBe(3);
    expect(await p.holds(tee.sku)).toEqual([]);
    // The cart stays, so the customer can pay another way.
    expect((await buyer.gql(CART)).data.cart.totalQuantity).toBe(2);
  });

  it('answers INVALID_PAYMENT_TOKEN for an unknown token', async () => {
    const buyer = await p.customer('bad-token');
    const tee = await p.variant('30.00', 3);
    await buyer.add(tee.id);
    const r = await buyer.checkout({ paymentToken: 'tok_nonsense' });
    expect(codes(r)).toEqual(['INVALID_PAYMENT_TOKEN']);
    expect(r.data.checkout.order.status).toBe('PAYMENT_FAILED');
    expect(await p.available(tee.sku)).toBe(3);
  });

  it('refuses malformed input as BAD_USER_INPUT, and anonymous callers', async () => {
    const buyer = await p.customer('malformed');
    const tee = await p.variant('30.00', 3);
    await buyer.add(tee.id);
    const longKey = await buyer.checkout({ idempotencyKey: 'k'.repeat(256) });
    expect(longKey.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const noToken = await buyer.checkout({ paymentToken: ' ' });
    expect(noToken.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const anonymous = await p.anonymous('mutation($i: CheckoutInput!) { checkout(input: $i) { order { id } } }', {
      i: { paymentToken: 'tok_visa', idempotencyKey: 'x', shippingAddress: ADDRESS },
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await ordersOf(buyer.id)).toBe(0);
    expect(await p.available(tee.sku)).toBe(3);
  });
});
