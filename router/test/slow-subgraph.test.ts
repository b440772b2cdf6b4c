import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';
import { UNAVAILABLE_MESSAGE } from '../src/dataSource.js';
import { loadRouterEnv } from '../src/env.js';
import { CATALOG_PAGE, median, metricValue, startFlakySubgraph, timedGql, type FlakySubgraph } from './support/resilience.js';
import { startReplicas, type Replica } from './support/routers.js';

/**
 * Inventory reached through a stand-in that can stop answering, as a stuck
 * process does: accepted connections, no response.
 */

const TIMEOUT_MS = 800;
const RESET_MS = 1_500;

let platform: Platform;
let inventory: FlakySubgraph;
let router: Replica;
const stops: Array<() => Promise<void>> = [];
let variants = 0;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), subgraphs: ['users', 'inventory', 'products'] });
  const admin = (await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`)).data.login.accessToken;
  for (let i = 0; i < 3; i += 1) {
    const input = { title: `Lamp ${i}`, variants: [1, 2].map((v) => ({ sku: `LAMP-${i}-${v}`, price: '12.50', initialStock: 5 })) };
    const created = await platform.gql('mutation ($input: ProductInput!) { createProduct(input: $input) { userErrors { code } } }', { input }, { token: admin });
    expect(created.data.createProduct.userErrors).toEqual([]);
    variants += 2;
  }
  inventory = await startFlakySubgraph(platform.subgraphUrls.inventory!);
  stops.push(() => inventory.close());
  const replicas = await startReplicas(platform, 1, {
    INVENTORY_URL: inventory.url,
    SUBGRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
    SUBGRAPH_BREAKER_RESET_MS: String(RESET_MS),
    SUBGRAPH_BREAKER_MIN_REQUESTS: '3',
  });
  stops.push(replicas.stop);
  router = replicas.replicas[0]!;
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await platform?.stop();
});

const catalog = () => timedGql(router.url, CATALOG_PAGE);
const stockOf = (body: any) => (body.data.products.nodes as Array<{ variants: Array<{ inventory: { available: number } | null }> }>).flatMap((p) => p.variants.map((v) => v.inventory));

describe('a subgraph that stops answering', () => {
  it('costs one timeout, then nothing once its breaker is open, and comes back through the half-open probe', async () => {
    const healthy: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await catalog();
      expect(r.body.errors).toBeUndefined();
      expect(stockOf(r.body)).toEqual(Array.from({ length: variants }, () => ({ available: 5 })));
      healthy.push(r.ms);
    }

    inventory.mode = 'hang';
    const slow = await catalog();
    expect(slow.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(slow.ms).toBeLessThan(TIMEOUT_MS + 2_000);
    expect(slow.body.data.products.nodes.map((p: { title: string }) => p.title).sort()).toEqual(['Lamp 0', 'Lamp 1', 'Lamp 2']);
    expect(stockOf(slow.body)).toEqual(Array.from({ length: variants }, () => null));
    expect(slow.body.errors).toHaveLength(variants);
    for (const error of slow.body.errors!) {
      expect(error).toEqual({ message: UNAVAILABLE_MESSAGE, path: ['products', 'nodes', expect.any(Number), 'variants', expect.any(Number), 'inventory'], extensions: { code: 'SERVICE_UNAVAILABLE' } });
    }

    // Failures must outnumber the earlier successes in the window before it opens.
    for (let i = 0; i < 6 && (await metricValue(router.metricsUrl, 'subgraph_breaker_state', { subgraph: 'inventory' })) !== 2; i += 1) await catalog();
    expect(await metricValue(router.metricsUrl, 'subgraph_breaker_state', { subgraph: 'inventory' })).toBe(2);
    expect(await metricValue(router.metricsUrl, 'subgraph_fetch_errors_total', { subgraph: 'inventory', code: 'timeout' })).toBeGreaterThanOrEqual(4);

    const reached = inventory.received;
    const open: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await catalog();
      expect(stockOf(r.body)).toEqual(Array.from({ length: variants }, () => null));
      expect(r.body.errors?.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')).toBe(true);
      open.push(r.ms);
    }
    // Answered at about the healthy time, without calling inventory at all.
    expect(inventory.received).toBe(reached);
    expect(median(open)).toBeLessThan(Math.max(4 * median(healthy), TIMEOUT_MS / 2));

    inventory.mode = 'pass';
    await new Promise((resolve) => setTimeout(resolve, RESET_MS + 100));
    const probe = await catalog();
    expect(probe.body.errors).toBeUndefined();
    expect(stockOf(probe.body)).toEqual(Array.from({ length: variants }, () => ({ available: 5 })));
    expect(await metricValue(router.metricsUrl, 'subgraph_breaker_state', { subgraph: 'inventory' })).toBe(0);
    expect(await metricValue(router.metricsUrl, 'subgraph_fetch_duration_seconds_count', { subgraph: 'inventory', outcome: 'ok' })).toBeGreaterThanOrEqual(4);
    // Operations by name and outcome: the degraded pages count as answered with errors.
    expect(await metricValue(router.metricsUrl, 'graphql_operations_total', { operation: 'CatalogPage', outcome: 'ok' })).toBeGreaterThanOrEqual(4);
    expect(await metricValue(router.metricsUrl, 'graphql_operations_total', { operation: 'CatalogPage', outcome: 'error' })).toBeGreaterThanOrEqual(9);
  });

  it('answers within ROUTER_REQUEST_TIMEOUT_MS whatever the subgraph timeout, without blaming the subgraph', async () => {
    const replicas = await startReplicas(platform, 1, { INVENTORY_URL: inventory.url, SUBGRAPH_TIMEOUT_MS: '5000', ROUTER_REQUEST_TIMEOUT_MS: '1000', SUBGRAPH_BREAKER_MIN_REQUESTS: '2' });
    stops.push(replicas.stop);
    const bounded = replicas.replicas[0]!;
    inventory.mode = 'hang';
    try {
      for (let i = 0; i < 4; i += 1) {
        const r = await timedGql(bounded.url, CATALOG_PAGE);
        expect(r.ms).toBeLessThan(2_000);
        expect(r.body.data.products.nodes).toHaveLength(3);
        expect(stockOf(r.body)).toEqual(Array.from({ length: variants }, () => null));
      }
      expect(await metricValue(bounded.metricsUrl, 'subgraph_fetch_errors_total', { subgraph: 'inventory', code: 'deadline' })).toBe(4);
      // The request ran out of time, not the subgraph: its breaker stays closed.
      expect(await metricValue(bounded.metricsUrl, 'subgraph_breaker_state', { subgraph: 'inventory' })).toBe(0);
    } finally {
      inventory.mode = 'pass';
    }
  });

  it('gives a subgraph named in SUBGRAPH_TIMEOUTS its own, longer budget', async () => {
    const replicas = await startReplicas(platform, 1, { INVENTORY_URL: inventory.url, SUBGRAPH_TIMEOUT_MS: '500', SUBGRAPH_TIMEOUTS: 'inventory=3000' });
    stops.push(replicas.stop);
    inventory.mode = 'slow';
    inventory.delayMs = 1_000;
    try {
      const r = await timedGql(replicas.replicas[0]!.url, CATALOG_PAGE);
      expect(r.body.errors).toBeUndefined();
      expect(stockOf(r.body)).toEqual(Array.from({ length: variants }, () => ({ available: 5 })));
      expect(r.ms).toBeGreaterThanOrEqual(1_000);
    } finally {
      inventory.mode = 'pass';
    }
  });

  it('refuses SUBGRAPH_TIMEOUTS it cannot read, naming the variable', () => {
    for (const bad of ['orders', 'orders=0', 'orders=fast', 'Orders=1000']) {
      expect(() => loadRouterEnv({ ...platform.env, SUBGRAPH_TIMEOUTS: bad })).toThrowError(/SUBGRAPH_TIMEOUTS/);
    }
    expect(loadRouterEnv({ ...platform.env }).SUBGRAPH_TIMEOUTS).toEqual({ orders: 15_000 });
    expect(loadRouterEnv({ ...platform.env, SUBGRAPH_TIMEOUTS: 'orders=20000, payments=8000' }).SUBGRAPH_TIMEOUTS).toEqual({ orders: 20_000, payments: 8_000 });
  });
});
