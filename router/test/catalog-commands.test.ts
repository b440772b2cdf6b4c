import { isFerretDb } from '@shopcart/kit';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

/**
 * N+1 guard: a catalog page touching three subgraphs must cost the same
 * number of database commands whatever its size, because every
 * cross-entity fetch is batched by a per-request DataLoader.
 */
let platform: Platform;
let admin: string;
const counts = new Map<string, number>();
let counting = false;

function countCommands(name: string, connection: Connection): void {
  connection.getClient().on('commandStarted', (event) => {
    if (!counting) return;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    counts.set(`${name}.${event.commandName}`, (counts.get(`${name}.${event.commandName}`) ?? 0) + 1);
  });
}

const CATALOG_PAGE = `query CatalogPage($first: Int!) {
  products(first: $first, sort: NEWEST) {
    totalCount
    facets { name values { value count } }
    pageInfo { hasNextPage endCursor }
    nodes {
      id title slug brand inStock
      category { slug name parent { slug } }
      priceRange { min { amount currencyCode } max { amount } }
      images { url }
      variants { id sku title options { name value } price { amount } inventory { available inStock } }
    }
  }
}`;

beforeAll(async () => {
  platform = await startPlatform({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    subgraphs: ['users', 'inventory', 'products'],
    // Background loops (index sync, event publishing, sweeps) would add commands to the window.
    env: { MONGO_MONITOR_COMMANDS: 'true', CATALOG_SYNC_MS: '3600000', STOCK_PUBLISH_MS: '3600000', RESERVATION_SWEEP_MS: '3600000' },
  });
  const login = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`);
  admin = login.data.login.accessToken;
  const category = await platform.gql(`mutation { createCategory(input: {name: "Gadgets"}) { category { id } userErrors { code } } }`, undefined, { token: admin });
  const categoryId = category.data.createCategory.category.id;
  for (let i = 0; i < 100; i += 1) {
    const created = await platform.gql(
      `mutation ($input: ProductInput!) { createProduct(input: $input) { product { id } userErrors { code message } } }`,
      {
        input: {
          title: `Gadget ${i}`,
          brand: i % 2 ? 'Acme' : 'Globex',
          categoryId,
          variants: [
            { sku: `CMD-${i}-A`, price: '10.00', options: [{ name: 'color', value: 'red' }], initialStock: i % 3 },
            { sku: `CMD-${i}-B`, price: '12.50', options: [{ name: 'color', value: 'blue' }], initialStock: 5 },
          ],
        },
      },
      { token: admin },
    );
    expect(created.data.createProduct.userErrors).toEqual([]);
  }
  const services = platform.services as unknown as Record<string, { connection: Connection }>;
  countCommands('products', services.products!.connection);
  countCommands('inventory', services.inventory!.connection);
}, 120_000);
afterAll(async () => platform?.stop());

/** Waits until the services' background work (stock events from the setup) has settled. */
async function quiet(): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    counts.clear();
    counting = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    counting = false;
    if (counts.size === 0) return;
  }
  throw new Error(`background database work did not settle: ${JSON.stringify(Object.fromEntries(counts))}`);
}

async function commandsFor(first: number): Promise<Record<string, number>> {
  counts.clear();
  counting = true;
  const response = await platform.gql(CATALOG_PAGE, { first });
  counting = false;
  expect(response.errors).toBeUndefined();
  expect(response.data.products.nodes).toHaveLength(first);
  expect(response.data.products.nodes[0].variants[0].inventory).not.toBeNull();
  return Object.fromEntries(counts);
}

describe('database commands per catalog page', () => {
  it('are the same for 10 and for 100 products', async () => {
    await quiet();
    await commandsFor(100); // warm: query plans, connection pools, the product cache
    const ten = await commandsFor(10);
    const hundred = await commandsFor(100);
    expect(hundred).toEqual(ten);
    // Warm, products answers from its index's documents and inventory from its level cache: nothing at all.
    expect(ten).toEqual({});
    console.info(`catalog page DB commands: ${JSON.stringify(ten)}`);
  });

  it('cost one stock lookup per plan step with a cold stock-level cache, or one indexed lookup per SKU on FerretDB', async () => {
    // A replica that cannot follow the stock-levels stream reads every level from the store.
    const services = platform.services as unknown as Record<string, { levelFeed: { stop(): Promise<void> }; connection: Connection }>;
    await services.inventory!.levelFeed.stop();
    await quiet();
    const ten = await commandsFor(10);
    const hundred = await commandsFor(100);
    expect(ten.products ?? 0).toBe(0);
    expect(hundred.products ?? 0).toBe(0);
    expect(ten.inventory).toBeGreaterThan(0);
    if (await isFerretDb(services.inventory!.connection)) {
      // FerretDB pushes no $in down (it would read every stock document), so findIn asks
      // each SKU by its index, in parallel: at most one find per SKU the page shows
      // (two variants a product), in each of the two plan steps.
      expect(ten['inventory.find']).toBeLessThanOrEqual(2 * 10 * 2);
      expect(hundred['inventory.find']).toBeLessThanOrEqual(2 * 100 * 2);
      expect(hundred.inventory).toBe(hundred['inventory.find']);
    } else {
      // One stock lookup per plan step (variants' inventory, products' inStock), whatever the page size.
      expect(hundred).toEqual(ten);
      expect(ten.inventory).toBeLessThanOrEqual(2);
    }
  });
});
