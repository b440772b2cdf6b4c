import { connectRedis, createLogger, STOCK_LEVELS_STREAM, type Redis } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pollUntil } from '@shopcart/testing';
import { publishStockLevels } from '../src/events.js';
import { inventoryOps, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

let inv: InventoryPlatform;
let ops: ReturnType<typeof inventoryOps>;
let redis: Redis;
let streamKey: string;
const logger = createLogger('test', 'silent');

interface Entry {
  sku: string;
  available: number;
  version: number;
  fields: string[];
}

async function entries(sku: string): Promise<Entry[]> {
  const raw = await redis.xrange(streamKey, '-', '+');
  return raw
    .map(([, fields]) => {
      const map = Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : [])));
      return { sku: map.sku, available: Number(map.available), version: Number(map.version), fields: fields.filter((_, i) => i % 2 === 0) };
    })
    .filter((entry) => entry.sku === sku);
}

const stockDoc = async (sku: string) => (await inv.service.models.Stock.findOne({ sku }).lean())!;

beforeAll(async () => {
  // A slow timer: what reaches the stream here was published right after the change, or on an explicit trigger.
  inv = await startInventoryPlatform({ STOCK_PUBLISH_MS: '600000' });
  ops = inventoryOps(inv);
  redis = connectRedis(inject('redisUrl'), logger, 'test');
  streamKey = `${inv.platform.env.REDIS_KEY_PREFIX}${STOCK_LEVELS_STREAM}`;
});
afterAll(async () => {
  redis?.disconnect();
  await inv?.platform.stop();
});

describe('the stock-levels stream', () => {
  it('carries the latest level and version of a SKU right after each change, under the key prefix', async () => {
    const sku = uniqueSku('STREAM');
    await ops.initialize([{ sku, available: 5 }]);
    await ops.reserve(`stream-${sku}`, [{ sku, quantity: 2 }]);
    const admin = await inv.asViewer({ userId: '64b7f0000000000000000001', role: 'ADMIN' }, 'mutation($sku: String!) { setInventory(sku: $sku, available: 10) { userErrors { code } } }', { sku });
    expect(admin.data.setInventory.userErrors).toEqual([]);
    await ops.release(`stream-${sku}`);

    const doc = await stockDoc(sku);
    expect(doc).toMatchObject({ available: 12, version: 4 });
    const published = await pollUntil(() => entries(sku), (list) => list.at(-1)?.version === 4, { timeoutMs: 3_000, intervalMs: 25 });
    expect(published.at(-1)).toMatchObject({ sku, available: 12, version: 4 });
    expect(published[0]!.fields).toEqual(['sku', 'available', 'version']);
    // From one publisher, versions of a SKU only go up.
    const versions = published.map((entry) => entry.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(await pollUntil(() => stockDoc(sku), (d) => !d.needsPublish, { timeoutMs: 3_000, intervalMs: 25 })).toMatchObject({ publishedVersion: 4, needsPublish: false });
    expect(await redis.exists(STOCK_LEVELS_STREAM)).toBe(0);
  });

  it('publishes again what was not recorded as published', async () => {
    const sku = uniqueSku('REPUBLISH');
    await ops.initialize([{ sku, available: 3 }]);
    await pollUntil(() => stockDoc(sku), (d) => !d.needsPublish, { timeoutMs: 3_000, intervalMs: 25 });
    const before = (await entries(sku)).length;
    expect(before).toBeGreaterThanOrEqual(1);
    // As if the process died between XADD and recording it.
    await inv.service.models.Stock.updateOne({ sku }, { $set: { publishedVersion: 0, needsPublish: true } });
    await inv.service.publisher.trigger();
    const after = await entries(sku);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ available: 3, version: 1 });
    expect(await stockDoc(sku)).toMatchObject({ publishedVersion: 1, needsPublish: false });
  });

  it('keeps the backlog when Redis cannot be reached, and publishes it once it can', async () => {
    const sku = uniqueSku('OUTAGE');
    await ops.initialize([{ sku, available: 8 }]);
    await pollUntil(() => stockDoc(sku), (d) => !d.needsPublish, { timeoutMs: 3_000, intervalMs: 25 });
    await inv.service.models.Stock.updateOne({ sku }, { $set: { available: 6, publishedVersion: 1, needsPublish: true }, $inc: { version: 1 } });
    const unreachable = connectRedis('redis://127.0.0.1:1', logger, 'test-unreachable');
    try {
      await expect(publishStockLevels(inv.service.inventory, unreachable)).rejects.toThrow();
    } finally {
      unreachable.disconnect();
    }
    expect(await stockDoc(sku)).toMatchObject({ version: 2, publishedVersion: 1, needsPublish: true });
    expect((await entries(sku)).at(-1)?.version).toBe(1);

    await inv.service.publisher.trigger();
    expect((await entries(sku)).at(-1)).toMatchObject({ available: 6, version: 2 });
    expect(await stockDoc(sku)).toMatchObject({ publishedVersion: 2, needsPublish: false });
  });
});
