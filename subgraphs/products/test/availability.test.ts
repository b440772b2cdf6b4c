import { randomBytes } from 'node:crypto';
import { connectRedis, createLogger, STOCK_LEVELS_STREAM, waitForRedis, type Redis } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUP, ensureConsumerGroup, startAvailabilityConsumer } from '../src/availability.js';
import { SEARCH, createProduct, startProductsPlatform, type ProductsPlatform } from './support.js';

let p: ProductsPlatform;
/** No key prefix: sees keys exactly as Redis stores them. */
let raw: Redis;
let prefix: string;
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  p = await startProductsPlatform();
  prefix = p.platform.env.REDIS_KEY_PREFIX!;
  raw = connectRedis(inject('redisUrl'), logger, 'test-raw');
  await waitForRedis(raw);
});
afterAll(async () => {
  raw?.disconnect();
  await p?.platform.stop();
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Appends an event as inventory does, under the platform's prefix, and waits until products acknowledged it. */
async function publish(fields: Record<string, string>): Promise<void> {
  const id = (await raw.xadd(`${prefix}${STOCK_LEVELS_STREAM}`, '*', ...Object.entries(fields).flat()))!;
  await until(async () => {
    const groups = (await raw.xinfo('GROUPS', `${prefix}${STOCK_LEVELS_STREAM}`)) as unknown[][];
    const group = groups.map((g) => Object.fromEntries(chunk(g))).find((g) => g.name === CONSUMER_GROUP);
    return !!group && compareIds(String(group['last-delivered-id']), id) >= 0 && Number(group.pending) === 0;
  }, `event ${id} to be acknowledged`);
}

const chunk = (list: unknown[]) => Array.from({ length: list.length / 2 }, (_, i) => [list[2 * i], list[2 * i + 1]] as [unknown, unknown]);
const compareIds = (a: string, b: string) => {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am! === bm! ? Number(as! - bs!) : am! < bm! ? -1 : 1;
};

async function inStockIds(inStock: boolean): Promise<string[]> {
  const r = await p.anonymous(SEARCH, { filter: { inStock }, first: 100 });
  expect(r.errors).toBeUndefined();
  return r.data.products.nodes.map((n: { id: string }) => n.id);
}

describe('ioredis and the key prefix', () => {
  it('prefixes XADD, XREADGROUP and XACK keys but not XGROUP, which ensureConsumerGroup prefixes itself', async () => {
    const probe = `probe-${randomBytes(4).toString('hex')}:`;
    const prefixed = connectRedis(inject('redisUrl'), logger, 'test-prefixed', probe);
    await waitForRedis(prefixed);
    try {
      // XGROUP as ioredis sends it lands on the unprefixed key.
      await prefixed.xgroup('CREATE', `${probe}naive`, 'g', '$', 'MKSTREAM');
      expect(await raw.exists(`${probe}naive`)).toBe(1);
      expect(await raw.exists(`${probe}${probe}naive`)).toBe(0);

      await ensureConsumerGroup(prefixed);
      await ensureConsumerGroup(prefixed); // BUSYGROUP is fine
      const groups = (await raw.xinfo('GROUPS', `${probe}${STOCK_LEVELS_STREAM}`)) as unknown[][];
      expect(groups.map((g) => Object.fromEntries(chunk(g)).name)).toEqual([CONSUMER_GROUP]);

      await prefixed.xadd(STOCK_LEVELS_STREAM, '*', 'sku', 'X', 'available', '1', 'version', '1');
      const read = (await prefixed.xreadgroup('GROUP', CONSUMER_GROUP, 'c', 'COUNT', 10, 'STREAMS', STOCK_LEVELS_STREAM, '>')) as Array<[string, Array<[string, string[]]>]>;
      expect(read[0]![0]).toBe(`${probe}${STOCK_LEVELS_STREAM}`);
      expect(await prefixed.xack(STOCK_LEVELS_STREAM, CONSUMER_GROUP, read[0]![1][0]![0])).toBe(1);
    } finally {
      await raw.del(`${probe}naive`, `${probe}${STOCK_LEVELS_STREAM}`);
      prefixed.disconnect();
    }
  });
});

describe('stock-level events', () => {
  it('move a product in and out of the inStock filter, ignoring stale versions', async () => {
    const product = await createProduct(p, { title: 'Event Driven Kettle' }, [{ sku: 'EVT-1', initialStock: 0 }]);
    expect(await inStockIds(false)).toContain(product.id);

    await publish({ sku: 'EVT-1', available: '5', version: '100' });
    expect(await inStockIds(true)).toContain(product.id);
    expect((await p.service.models.Sku.findById('EVT-1').lean())).toMatchObject({ available: 5, availableVersion: 100 });

    // An older event that arrives late changes nothing.
    await publish({ sku: 'EVT-1', available: '0', version: '50' });
    expect(await inStockIds(true)).toContain(product.id);

    await publish({ sku: 'EVT-1', available: '0', version: '101' });
    expect(await inStockIds(false)).toContain(product.id);
    expect(await inStockIds(true)).not.toContain(product.id);
  });

  it('keep a product in stock while any of its SKUs is', async () => {
    const product = await createProduct(p, { title: 'Two Tone Vase' }, [{ sku: 'VASE-A', initialStock: 2 }, { sku: 'VASE-B', initialStock: 2 }]);
    await publish({ sku: 'VASE-A', available: '0', version: '10' });
    expect(await inStockIds(true)).toContain(product.id);
    await publish({ sku: 'VASE-B', available: '0', version: '10' });
    expect(await inStockIds(false)).toContain(product.id);
  });

  it('leave a product untouched when a level cannot change its inStock', async () => {
    const product = await createProduct(p, { title: 'Steady Seller Mug' }, [{ sku: 'MUG-1', initialStock: 10 }]);
    expect(await inStockIds(true)).toContain(product.id);
    const before = await p.service.models.Product.findById(product.id).lean();
    await publish({ sku: 'MUG-1', available: '9', version: '500' });
    expect(await p.service.models.Sku.findById('MUG-1').lean()).toMatchObject({ available: 9, availableVersion: 500 });
    const after = await p.service.models.Product.findById(product.id).lean();
    expect({ revision: after?.revision, stockSeq: after?.stockSeq, inStock: after?.inStock }).toEqual({ revision: before?.revision, stockSeq: before?.stockSeq, inStock: true });
  });

  it('recompute when a redelivered level finds the product behind it (a crash between the two writes)', async () => {
    const product = await createProduct(p, { title: 'Crash Test Jug' }, [{ sku: 'JUG-1', initialStock: 0 }]);
    expect(await inStockIds(false)).toContain(product.id);
    // The level was written, then the process died before the product was.
    await p.service.models.Sku.updateOne({ _id: 'JUG-1' }, { $set: { available: 4, availableVersion: 700 } });
    await publish({ sku: 'JUG-1', available: '4', version: '700' });
    expect(await inStockIds(true)).toContain(product.id);
  });

  it('skip malformed events and SKUs products does not know, and go on', async () => {
    const product = await createProduct(p, { title: 'Robust Teapot' }, [{ sku: 'TEAPOT-1', initialStock: 0 }]);
    await publish({ sku: 'TEAPOT-1', available: 'lots', version: '3' });
    await publish({ sku: 'NOBODY-KNOWS', available: '3', version: '3' });
    await publish({ sku: 'TEAPOT-1', available: '1', version: '4' });
    expect(await inStockIds(true)).toContain(product.id);
  });

  it('follow inventory: an admin setting stock to zero takes the product out of the inStock filter', async () => {
    const product = await createProduct(p, { title: 'Inventory Linked Lamp' }, [{ sku: 'LINK-1', initialStock: 4 }]);
    expect(await inStockIds(true)).toContain(product.id);
    const set = await p.admin('mutation { setInventory(sku: "LINK-1", available: 0) { userErrors { code } } }');
    expect(set.errors).toBeUndefined();
    await until(async () => !(await inStockIds(true)).includes(product.id), 'inventory event to reach products');
    await p.admin('mutation { setInventory(sku: "LINK-1", available: 9) { userErrors { code } } }');
    await until(async () => (await inStockIds(true)).includes(product.id), 'restock to reach products');
  });

  it('stops its blocking reader promptly', async () => {
    const redis = connectRedis(inject('redisUrl'), logger, 'test-consumer', prefix);
    await waitForRedis(redis);
    const consumer = startAvailabilityConsumer({ redis, deps: p.service.catalog, logger, consumer: 'short-lived' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(1_500);
    redis.disconnect();
  });
});
