import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';
import { startReplicas, type Replica } from './support/routers.js';

/**
 * The response cache: anonymous catalog answers shared by every replica
 * through Redis, a write through any replica seen by the next read on any
 * other, and nothing of a signed-in caller or a non-catalog field cached.
 */
let platform: Platform;
let admin: string;
let variantId: string;
let productId: string;
let replicas: Replica[] = [];
let stopReplicas: (() => Promise<void>) | undefined;

const PAGE = 'query Page($id: ID!) { product(id: $id) { id title variants { id price { amount } } } }';

async function read(url: string, token?: string, query = PAGE) {
  const response = await postGraphQL<any>(url, query, { id: productId }, { token });
  expect(response.errors).toBeUndefined();
  return { data: response.data, cache: response.headers.get('x-response-cache') };
}

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), subgraphs: ['users', 'inventory', 'products'] });
  const login = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`);
  admin = login.data.login.accessToken;
  const created = await platform.gql(
    'mutation ($input: ProductInput!) { createProduct(input: $input) { product { id variants { id } } userErrors { code } } }',
    { input: { title: 'Cached Lamp', variants: [{ sku: `RC-${randomBytes(3).toString('hex')}`, price: '20.00', initialStock: 3 }] } },
    { token: admin },
  );
  expect(created.data.createProduct.userErrors).toEqual([]);
  productId = created.data.createProduct.product.id;
  variantId = created.data.createProduct.product.variants[0].id;
  ({ replicas, stop: stopReplicas } = await startReplicas(platform, 2, { RESPONSE_CACHE_TTL_SECONDS: '30' }));
}, 120_000);

afterAll(async () => {
  await stopReplicas?.();
  await platform?.stop();
});

describe('response cache', () => {
  it('stores an anonymous catalog answer asked for twice, and serves it on every replica', async () => {
    const first = await read(replicas[0]!.url);
    expect(first.cache).toBeNull();
    expect(first.data.product.title).toBe('Cached Lamp');
    // Asked for a second time: now worth storing.
    const second = await read(replicas[0]!.url);
    expect(second.cache).toBeNull();
    expect(second.data).toEqual(first.data);
    const again = await read(replicas[0]!.url);
    expect(again.cache).toBe('hit');
    expect(again.data).toEqual(first.data);
    const elsewhere = await read(replicas[1]!.url);
    expect(elsewhere.cache).toBe('hit');
    expect(elsewhere.data).toEqual(first.data);
  });

  it('shows a price written through one replica on the next read through another', async () => {
    await read(replicas[0]!.url);
    expect((await read(replicas[0]!.url)).cache).toBe('hit');
    const written = await postGraphQL<any>(replicas[1]!.url, 'mutation ($id: ID!) { updateVariant(id: $id, input: {price: "24.50"}) { userErrors { code } } }', { id: variantId }, { token: admin });
    expect(written.data.updateVariant.userErrors).toEqual([]);
    const after = await read(replicas[0]!.url);
    expect(after.cache).toBeNull();
    expect(after.data.product.variants[0].price.amount).toBe('24.50');
    expect((await read(replicas[1]!.url)).data.product.variants[0].price.amount).toBe('24.50');
  });

  it('never caches a signed-in caller', async () => {
    for (let i = 0; i < 3; i += 1) expect((await read(replicas[0]!.url, admin)).cache).toBeNull();
  });

  it('does not store an answer asked for once', async () => {
    const once = 'query Once($id: ID!) { product(id: $id) { id slug } }';
    expect((await read(replicas[0]!.url, undefined, once)).cache).toBeNull();
    expect((await read(replicas[1]!.url, undefined, once)).cache).toBeNull();
  });

  it('never caches an operation that asks for anything outside the catalog', async () => {
    const mixed = 'query Page($id: ID!) { me { id } product(id: $id) { id title } }';
    for (let i = 0; i < 3; i += 1) expect((await read(replicas[0]!.url, undefined, mixed)).cache).toBeNull();
  });

  it('answers identical concurrent misses alike, all complete', async () => {
    const written = await postGraphQL<any>(replicas[0]!.url, 'mutation ($id: ID!) { updateVariant(id: $id, input: {price: "26.00"}) { userErrors { code } } }', { id: variantId }, { token: admin });
    expect(written.data.updateVariant.userErrors).toEqual([]);
    const answers = await Promise.all(Array.from({ length: 8 }, () => read(replicas[0]!.url)));
    for (const answer of answers) expect(answer.data.product.variants[0].price.amount).toBe('26.00');
    // One of them executed; the others shared its answer or read the entry it stored.
    expect(answers.filter((a) => a.cache === null).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.cache === 'hit').length).toBeGreaterThanOrEqual(1);
  });
});
