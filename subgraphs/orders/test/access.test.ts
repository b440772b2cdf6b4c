import { createIdentitySigner, importPrivateKey, type IdentitySigner, type Viewer } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { startOrdersPlatform, type Customer, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;
let router: IdentitySigner;
let owner: Customer;
let stranger: Customer;
let orderId: string;

const ENTITY = (id: string) => `{ _entities(representations: [{ __typename: "Order", id: "${id}" }]) { ... on Order { number total { amount } } } }`;
const direct = async (viewer: Partial<Omit<Viewer, 'issuer'>> | null, query: string) =>
  postGraphQL<any>(p.platform.subgraphUrls.orders!, query, {}, viewer ? { token: await router.sign('orders', { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer }) } : {});

beforeAll(async () => {
  p = await startOrdersPlatform();
  router = createIdentitySigner('shopcart-router', await importPrivateKey(p.platform.keys.routerPrivate));
  [owner, stranger] = [await p.customer('access-owner'), await p.customer('access-stranger')];
  const tee = await p.variant('10.00', 5);
  await owner.add(tee.id);
  orderId = (await owner.checkout()).data.checkout.order.id;
});
afterAll(async () => p?.stop());

describe('orders subgraph reached directly', () => {
  it('answers a request without identity 401 and no data', async () => {
    const r = await direct(null, ENTITY(orderId));
    expect(r.status).toBe(401);
    expect(r.body).not.toHaveProperty('data');
  });

  it('resolves an Order entity only for its customer, admins and services', async () => {
    expect((await direct({ userId: stranger.id, role: 'CUSTOMER' }, ENTITY(orderId))).data._entities).toEqual([null]);
    expect((await direct({}, ENTITY(orderId))).data._entities).toEqual([null]);
    expect((await direct({ userId: owner.id, role: 'CUSTOMER' }, ENTITY(orderId))).data._entities).toEqual([{ number: expect.stringMatching(/^SC-/), total: { amount: '14.99' } }]);
    expect((await direct({ userId: p.adminId, role: 'ADMIN' }, ENTITY(orderId))).data._entities[0]).not.toBeNull();
  });

  it("refuses one customer another's order history", async () => {
    const query = `{ _entities(representations: [{ __typename: "User", id: "${owner.id}" }]) { ... on User { orders { totalCount } } } }`;
    const r = await direct({ userId: stranger.id, role: 'CUSTOMER' }, query);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(r.data)).not.toContain('totalCount":1');
    expect((await direct({ userId: owner.id, role: 'CUSTOMER' }, query)).data._entities).toEqual([{ orders: { totalCount: 1 } }]);
  });
});

describe('operations', () => {
  it('counts checkouts by outcome on /metrics', async () => {
    const buyer = await p.customer('metrics');
    await buyer.checkout();
    const response = await fetch(p.platform.metricsUrls.orders!);
    const text = await response.text();
    expect(text).toMatch(/checkouts_total\{outcome="confirmed",service="orders"\} [1-9]/);
    expect(text).toMatch(/checkouts_total\{outcome="cart_empty",service="orders"\} [1-9]/);
  });

  it('is ready when its stores are', async () => {
    const r = await fetch(new URL('/ready', p.platform.subgraphUrls.orders).toString());
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ ready: true, checks: { mongodb: true, redis: true } });
  });
});
