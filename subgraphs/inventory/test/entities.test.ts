import type { mongo } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { inventoryOps, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

let inv: InventoryPlatform;
let a: string;
let b: string;
let c: string;

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { sku inventory { available inStock } }
    ... on Product { id inStock }
  }
}`;

/** Stock reads by SKU while `run` runs: what the loaders send to the database. */
async function stockReadsDuring<T>(run: () => Promise<T>): Promise<{ result: T; reads: number }> {
  let reads = 0;
  const client = inv.service.connection.getClient();
  const listener = (event: mongo.CommandStartedEvent) => {
    if (event.commandName === 'find' && event.command.find === 'stock' && event.command.filter?.sku) reads += 1;
  };
  client.on('commandStarted', listener);
  try {
    return { result: await run(), reads };
  } finally {
    client.off('commandStarted', listener);
  }
}

beforeAll(async () => {
  inv = await startInventoryPlatform({ MONGO_MONITOR_COMMANDS: 'true' });
  [a, b, c] = [uniqueSku('ENT-A'), uniqueSku('ENT-B'), uniqueSku('ENT-C')];
  await inventoryOps(inv).initialize([{ sku: a, available: 5 }, { sku: b, available: 0 }, { sku: c, available: 2 }]);
});
afterAll(async () => inv?.platform.stop());

describe('entities the router asks inventory for', () => {
  it('resolves variants and products of one fetch with one stock read', async () => {
    const unknown = uniqueSku('ENT-UNKNOWN');
    const representations = [
      { __typename: 'ProductVariant', sku: a },
      { __typename: 'ProductVariant', sku: b },
      { __typename: 'ProductVariant', sku: unknown },
      { __typename: 'Product', id: 'p1', variants: [{ sku: b }, { sku: c }] },
      { __typename: 'Product', id: 'p2', variants: [{ sku: b }] },
      { __typename: 'Product', id: 'p3', variants: [] },
      { __typename: 'Product', id: 'p4', variants: [{ sku: unknown }] },
    ];
    const { result, reads } = await stockReadsDuring(() => inv.asViewer({}, ENTITIES, { representations }));
    expect(result.errors).toBeUndefined();
    expect(result.data._entities).toEqual([
      { sku: a, inventory: { available: 5, inStock: true } },
      { sku: b, inventory: { available: 0, inStock: false } },
      { sku: unknown, inventory: { available: 0, inStock: false } },
      { id: 'p1', inStock: true },
      { id: 'p2', inStock: false },
      { id: 'p3', inStock: false },
      { id: 'p4', inStock: false },
    ]);
    expect(reads).toBe(1);
  });

  it('reads each request afresh: a level changed between requests is seen', async () => {
    const sku = uniqueSku('ENT-FRESH');
    await inventoryOps(inv).initialize([{ sku, available: 1 }]);
    const query = () => inv.asViewer({}, ENTITIES, { representations: [{ __typename: 'ProductVariant', sku }] });
    expect((await query()).data._entities).toEqual([{ sku, inventory: { available: 1, inStock: true } }]);
    await inventoryOps(inv).reserve(`fresh-${sku}`, [{ sku, quantity: 1 }]);
    expect((await query()).data._entities).toEqual([{ sku, inventory: { available: 0, inStock: false } }]);
  });

  it('serves nothing without identity', async () => {
    const r = await postGraphQL<any>(inv.url, ENTITIES, { representations: [{ __typename: 'ProductVariant', sku: a }] });
    expect(r.status).toBe(401);
    expect(r.body).not.toHaveProperty('data');
  });
});
