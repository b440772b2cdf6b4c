import { isFerretDb, listen } from '@shopcart/kit';
import type { mongo } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, serviceKeyEnv } from '@shopcart/testing';
import { loadInventoryEnv } from '../src/env.js';
import { createInventoryService, type InventoryService } from '../src/server.js';
import { inventoryOps, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

/**
 * Reads come from each replica's level cache: the replica that wrote sees
 * its write at once, the others once the stock-levels stream brings it
 * (STOCK_PUBLISH_MS at worst), and a warm cache reads no database.
 */
const PUBLISH_MS = 300;
/** What another replica may lag: the writer's publish period plus a round trip and a busy test machine. */
const STALENESS_BOUND_MS = PUBLISH_MS + 700;
let inv: InventoryPlatform;
let replica: InventoryService;
let replicaUrl: string;
let stockReads = 0;

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { sku inventory { available inStock } }
    ... on Product { id inStock }
  }
}`;

beforeAll(async () => {
  inv = await startInventoryPlatform({ STOCK_PUBLISH_MS: String(PUBLISH_MS) });
  replica = await createInventoryService(
    loadInventoryEnv({ ...inv.platform.env, ...serviceKeyEnv('inventory', inv.platform.keys), STOCK_PUBLISH_MS: String(PUBLISH_MS), MONGO_MONITOR_COMMANDS: 'true' }),
  );
  replicaUrl = `http://127.0.0.1:${await listen(replica.http.server, 0, '127.0.0.1')}/graphql`;
  await Promise.all([replica.levelFeed.loaded, inv.service.levelFeed.loaded]);
  replica.connection.getClient().on('commandStarted', (event: mongo.CommandStartedEvent) => {
    // Level reads only: the replica's own publisher polls the same collection for needsPublish every PUBLISH_MS.
    if (event.commandName === 'find' && event.command.find === 'stock' && event.command.filter?.needsPublish === undefined) stockReads += 1;
  });
});
afterAll(async () => {
  if (replica) {
    await replica.http.shutdown(1_000);
    await replica.close();
  }
  await inv?.platform.stop();
});

async function entities(url: string, representations: unknown[]): Promise<any[]> {
  const token = await inv.router.sign('inventory', { userId: null, role: 'ANONYMOUS', clientIp: null });
  const r = await postGraphQL<any>(url, ENTITIES, { representations }, { token });
  expect(r.errors).toBeUndefined();
  return r.data._entities;
}

const available = async (url: string, sku: string) => (await entities(url, [{ __typename: 'ProductVariant', sku }]))[0].inventory.available as number;

/** Milliseconds until `url` reports `expected` for `sku`; fails past the staleness bound. */
async function msUntil(url: string, sku: string, expected: number): Promise<number> {
  const started = Date.now();
  while ((await available(url, sku)) !== expected) {
    if (Date.now() - started > STALENESS_BOUND_MS) throw new Error(`${sku} still not ${expected} after ${STALENESS_BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

async function setInventory(sku: string, level: number): Promise<void> {
  const login = await inv.platform.gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }');
  const r = await inv.platform.gql('mutation($sku: String!, $n: Int!) { setInventory(sku: $sku, available: $n) { userErrors { code } } }', { sku, n: level }, { token: login.data.login.accessToken });
  expect(r.data.setInventory.userErrors).toEqual([]);
}

describe('the level cache', () => {
  it('shows an admin stock change on the writing replica at once, and on another replica within the bound', async () => {
    const sku = uniqueSku('LC-SET');
    await inventoryOps(inv).initialize([{ sku, available: 4 }]);
    expect(await msUntil(replicaUrl, sku, 4)).toBeLessThanOrEqual(STALENESS_BOUND_MS);

    await setInventory(sku, 9);
    expect(await available(inv.url, sku)).toBe(9);
    expect((await inventoryOps(inv).levels(sku))[sku]).toBe(9);
    expect(await msUntil(replicaUrl, sku, 9)).toBeLessThanOrEqual(STALENESS_BOUND_MS);
  });

  it('shows reservations, releases and restocks the same way, and products go out of stock with them', async () => {
    const sku = uniqueSku('LC-HOLD');
    await inventoryOps(inv).initialize([{ sku, available: 2 }]);
    await msUntil(replicaUrl, sku, 2);
    const held = await inventoryOps(inv).reserve(`lc-${sku}`, [{ sku, quantity: 2 }]);
    expect(held.status).toBe('HELD');
    expect(await entities(inv.url, [{ __typename: 'Product', id: 'p', variants: [{ sku }] }])).toEqual([{ id: 'p', inStock: false }]);
    expect(await msUntil(replicaUrl, sku, 0)).toBeLessThanOrEqual(STALENESS_BOUND_MS);
    expect(await entities(replicaUrl, [{ __typename: 'Product', id: 'p', variants: [{ sku }] }])).toEqual([{ id: 'p', inStock: false }]);

    await inventoryOps(inv).release(`lc-${sku}`);
    expect(await available(inv.url, sku)).toBe(2);
    expect(await msUntil(replicaUrl, sku, 2)).toBeLessThanOrEqual(STALENESS_BOUND_MS);
  });

  it('answers warm reads without a database command, and reads SKUs it does not hold in one query (one indexed find each on FerretDB)', async () => {
    const skus = [uniqueSku('LC-W1'), uniqueSku('LC-W2'), uniqueSku('LC-W3')];
    await inventoryOps(inv).initialize(skus.map((sku, i) => ({ sku, available: i })));
    for (const [i, sku] of skus.entries()) await msUntil(replicaUrl, sku, i);

    stockReads = 0;
    const warm = await entities(replicaUrl, [...skus.map((sku) => ({ __typename: 'ProductVariant', sku })), { __typename: 'Product', id: 'p', variants: skus.map((sku) => ({ sku })) }]);
    expect(warm.map((e) => e.inventory?.available ?? e.inStock)).toEqual([0, 1, 2, true]);
    expect(stockReads).toBe(0);

    const unknown = [uniqueSku('LC-NEVER'), uniqueSku('LC-NEVER')];
    const cold = await entities(replicaUrl, [...unknown, skus[2]].map((sku) => ({ __typename: 'ProductVariant', sku })));
    expect(cold.map((e) => e.inventory.available)).toEqual([0, 0, 2]);
    // FerretDB pushes no $in down: each missing SKU is its own indexed find (kit findIn).
    expect(stockReads).toBe((await isFerretDb(replica.connection)) ? unknown.length : 1);
  });

  it('reads the database again once it no longer follows the stream, so levels never go stale unnoticed', async () => {
    const sku = uniqueSku('LC-STOP');
    await inventoryOps(inv).initialize([{ sku, available: 3 }]);
    await msUntil(replicaUrl, sku, 3);
    expect(replica.inventory.levels.usable).toBe(true);
    await replica.levelFeed.stop();
    expect(replica.inventory.levels.usable).toBe(false);

    await setInventory(sku, 7);
    stockReads = 0;
    expect(await available(replicaUrl, sku)).toBe(7);
    expect(stockReads).toBe(1);
  });
});
