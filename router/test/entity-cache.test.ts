import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';
import { createEntityCache } from '../src/entityCache.js';
import { Registry } from 'prom-client';
import { metricValue } from './support/resilience.js';
import { startReplicas, type Replica } from './support/routers.js';

/**
 * The entity cache: stock a catalog page shows comes from the router's
 * memory once seen, for anonymous catalog reads only; a stock write through
 * any replica is seen by the next read on every replica; what a failing
 * subgraph cannot answer is null with an error at its path while what was
 * cached is still served.
 */
let platform: Platform;
let admin: string;
let customer: string;
const skus: string[] = [];
const tag = randomBytes(3).toString('hex');
let replicas: Replica[] = [];
let stopReplicas: (() => Promise<void>) | undefined;

// `first` differs per read so the response cache never answers: every read runs the plan.
const PAGE = `query Page($query: String, $first: Int) { products(query: $query, first: $first) { nodes { title variants { sku inventory { available inStock } } } } }`;
let reads = 0;

async function page(url: string, token?: string) {
  reads += 1;
  const response = await postGraphQL<any>(url, PAGE, { query: `Entity Lamp ${tag}`, first: 2 + (reads % 50) }, { token });
  const stock: Record<string, number | null> = {};
  for (const product of response.data?.products?.nodes ?? []) for (const variant of product.variants) stock[variant.sku] = variant.inventory?.available ?? null;
  return { response, stock };
}

const lookups = async (replica: Replica, result: 'hit' | 'miss') => (await metricValue(replica.metricsUrl, 'router_entity_cache_lookups_total', { subgraph: 'inventory', result })) ?? 0;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), subgraphs: ['users', 'inventory', 'products'] });
  const login = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`);
  admin = login.data.login.accessToken;
  const email = `entity-${tag}@example.com`;
  await platform.gql('mutation ($input: RegisterInput!) { register(input: $input) { userErrors { code } } }', { input: { email, password: 'correct horse battery', name: 'Entity Reader' } });
  customer = (await platform.gql('mutation ($input: LoginInput!) { login(input: $input) { accessToken } }', { input: { email, password: 'correct horse battery' } })).data.login.accessToken;
  expect(customer).toBeTruthy();
  for (const color of ['red', 'blue']) skus.push(`EC-${tag}-${color}`);
  const created = await platform.gql(
    'mutation ($input: ProductInput!) { createProduct(input: $input) { userErrors { code } } }',
    { input: { title: `Entity Lamp ${tag}`, variants: skus.map((sku, i) => ({ sku, price: '20.00', initialStock: 3 + i })) } },
    { token: admin },
  );
  expect(created.data.createProduct.userErrors).toEqual([]);
  ({ replicas, stop: stopReplicas } = await startReplicas(platform, 2, { RESPONSE_CACHE_TTL_SECONDS: '30' }));
  // Search indexes follow writes asynchronously.
  for (let i = 0; i < 50 && Object.keys((await page(replicas[0]!.url)).stock).length < 2; i += 1) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  await stopReplicas?.();
  await platform?.stop();
});

describe('entity cache', () => {
  it('answers stock seen before from memory, with the same answer as the subgraph', async () => {
    const { url } = replicas[0]!;
    const first = await page(url);
    expect(first.response.errors).toBeUndefined();
    expect(first.stock).toEqual({ [skus[0]!]: 3, [skus[1]!]: 4 });
    const hitsBefore = await lookups(replicas[0]!, 'hit');
    const missesBefore = await lookups(replicas[0]!, 'miss');
    const second = await page(url);
    expect(second.response.headers.get('x-response-cache')).toBeNull();
    expect(second.stock).toEqual(first.stock);
    expect(await lookups(replicas[0]!, 'hit')).toBe(hitsBefore + 2);
    expect(await lookups(replicas[0]!, 'miss')).toBe(missesBefore);
  });

  it('is not used for a signed-in caller', async () => {
    const { url } = replicas[0]!;
    const before = [await lookups(replicas[0]!, 'hit'), await lookups(replicas[0]!, 'miss')];
    const read = await page(url, customer);
    expect(read.stock).toEqual({ [skus[0]!]: 3, [skus[1]!]: 4 });
    expect([await lookups(replicas[0]!, 'hit'), await lookups(replicas[0]!, 'miss')]).toEqual(before);
  });

  it('shows stock written through one replica on the next read through another', async () => {
    await page(replicas[0]!.url);
    await page(replicas[1]!.url);
    const written = await postGraphQL<any>(replicas[1]!.url, 'mutation ($sku: String!) { setInventory(sku: $sku, available: 9) { userErrors { code } } }', { sku: skus[0] }, { token: admin });
    expect(written.errors).toBeUndefined();
    expect(written.data.setInventory.userErrors).toEqual([]);
    const missesBefore = await lookups(replicas[0]!, 'miss');
    expect((await page(replicas[0]!.url)).stock).toEqual({ [skus[0]!]: 9, [skus[1]!]: 4 });
    expect(await lookups(replicas[0]!, 'miss')).toBe(missesBefore + 2);
    expect((await page(replicas[1]!.url)).stock).toEqual({ [skus[0]!]: 9, [skus[1]!]: 4 });
  });

  it('serves what it holds while the subgraph is down, and nulls only the rest, each with an error', async () => {
    const { url } = replicas[0]!;
    expect((await page(url)).stock[skus[0]!]).toBe(9);
    // A third variant the cache has never seen.
    const sku = `EC-${tag}-green`;
    const added = await platform.gql(
      'mutation ($input: ProductInput!) { createProduct(input: $input) { userErrors { code } } }',
      { input: { title: `Entity Lamp ${tag} green`, variants: [{ sku, price: '21.00', initialStock: 5 }] } },
      { token: admin },
    );
    expect(added.data.createProduct.userErrors).toEqual([]);
    // Replica 1 sees (and caches) the new variant; replica 0 never has.
    for (let i = 0; i < 50 && !(sku in (await page(replicas[1]!.url)).stock); i += 1) await new Promise((r) => setTimeout(r, 100));
    await platform.services.inventory!.http.shutdown(0);

    const whole = await page(replicas[1]!.url);
    expect(whole.response.errors).toBeUndefined();
    expect(whole.stock).toEqual({ [skus[0]!]: 9, [skus[1]!]: 4, [sku]: 5 });

    const partial = await page(url);
    expect(partial.stock).toEqual({ [skus[0]!]: 9, [skus[1]!]: 4, [sku]: null });
    expect(partial.response.errors).toHaveLength(1);
    const [error] = partial.response.errors!;
    expect(error!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(error!.path?.slice(-3)).toEqual(['variants', 0, 'inventory']);
    expect(JSON.stringify(partial.response.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});

describe('entity cache merging', () => {
  const options = (representations: unknown[], generation = '1') =>
    ({ request: { query: 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on V { n } } }', variables: { representations } }, context: { cacheGeneration: generation } }) as never;

  it('asks only for what it lacks and puts errors back at the positions the gateway asked for', async () => {
    const cache = createEntityCache({ ttlSeconds: 30, maxEntries: 100 }, new Registry());
    const asked: unknown[][] = [];
    const fetch = async (subset: any) => {
      const reps = subset.request.variables.representations as Array<{ id: number }>;
      asked.push(reps);
      return {
        data: { _entities: reps.map((rep) => (rep.id === 3 ? null : { n: rep.id })) },
        errors: reps.flatMap((rep, index) => (rep.id === 3 ? [{ message: 'boom', path: ['_entities', index, 'n'] }] : [])),
      };
    };
    const first = await cache.resolve('s', options([{ id: 1 }, { id: 2 }]), fetch as never)!;
    expect(first.data).toEqual({ _entities: [{ n: 1 }, { n: 2 }] });
    const second = await cache.resolve('s', options([{ id: 0 }, { id: 1 }, { id: 3 }, { id: 2 }]), fetch as never)!;
    expect(asked).toEqual([[{ id: 1 }, { id: 2 }], [{ id: 0 }, { id: 3 }]]);
    expect(second.data).toEqual({ _entities: [{ n: 0 }, { n: 1 }, null, { n: 2 }] });
    expect(second.errors).toEqual([{ message: 'boom', path: ['_entities', 2, 'n'] }]);
    // The failed entity was not kept: asked for again.
    await cache.resolve('s', options([{ id: 3 }]), fetch as never);
    expect(asked.at(-1)).toEqual([{ id: 3 }]);
    // Each answer is its own copy: changing one does not change the next.
    ((second.data as any)._entities[1] as { n: number }).n = 99;
    expect((await cache.resolve('s', options([{ id: 1 }]), fetch as never)!).data).toEqual({ _entities: [{ n: 1 }] });
  });

  it('misses everything under a new generation, and stays out of operations it may not cache', async () => {
    const cache = createEntityCache({ ttlSeconds: 30, maxEntries: 100 }, new Registry());
    let calls = 0;
    const fetch = async (subset: any) => {
      calls += 1;
      return { data: { _entities: subset.request.variables.representations.map((rep: { id: number }) => ({ n: rep.id + calls * 10 })) } };
    };
    await cache.resolve('s', options([{ id: 1 }], '1'), fetch as never);
    expect((await cache.resolve('s', options([{ id: 1 }], '1'), fetch as never)!).data).toEqual({ _entities: [{ n: 11 }] });
    expect((await cache.resolve('s', options([{ id: 1 }], '2'), fetch as never)!).data).toEqual({ _entities: [{ n: 21 }] });
    expect(cache.resolve('s', { request: { query: 'q', variables: { representations: [] } }, context: {} } as never, fetch as never)).toBeNull();
    expect(calls).toBe(2);
  });
});
