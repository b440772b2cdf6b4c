import { createLogger, createServiceClient, createServiceSigner, listen } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceKeyEnv } from '@shopcart/testing';
import { loadInventoryEnv } from '../src/env.js';
import { createInventoryService, type InventoryService } from '../src/server.js';
import { RESERVE, RELEASE, inventoryOps, startInventoryPlatform, uniqueSku, type InventoryPlatform, type ReservationResult } from './support.js';

/*
 * Two replicas of inventory on one store, each with its own in-process write
 * queue: what keeps them from both selling the last unit is the store. On
 * MongoDB a conditional update is atomic; on the embedded store (FerretDB,
 * which reads, then writes) the revision guard refuses the second of two
 * concurrent writes and the replica retries it (kit revisioned).
 */

let inv: InventoryPlatform;
let replica: InventoryService;
let callReplica: <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

beforeAll(async () => {
  inv = await startInventoryPlatform();
  replica = await createInventoryService(loadInventoryEnv({ ...inv.platform.env, ...serviceKeyEnv('inventory', inv.platform.keys) }));
  const url = `http://127.0.0.1:${await listen(replica.http.server, 0, '127.0.0.1')}/graphql`;
  const signer = await createServiceSigner('orders', inv.platform.keys.services.orders!.privateKey);
  const client = createServiceClient({ callee: 'inventory', url, signer: signer!, logger: createLogger('test', 'silent'), timeoutMs: 30_000 });
  callReplica = (query, variables) => client.request(query, variables);
});
afterAll(async () => {
  if (replica) {
    await replica.http.shutdown(1_000);
    await replica.close();
  }
  await inv?.platform.stop();
});

/** Straight from the store: each replica's level cache learns the other's writes a moment later, from the stream. */
const stored = async (sku: string) => (await inv.service.models.Stock.findOne({ sku }).lean())?.available;

describe('two inventory replicas', () => {
  it('hold exactly the stock there is: 50 buyers of 1 unit over both, 10 in stock', async () => {
    const ops = inventoryOps(inv);
    const sku = uniqueSku('REPLICA-HOT');
    await ops.initialize([{ sku, available: 10 }]);
    const reserve = (i: number) => {
      const variables = { id: `replica-${sku}-${i}`, lines: [{ sku, quantity: 1 }], ttl: 600 };
      return i % 2 === 0 ? ops.reserve(variables.id, variables.lines) : callReplica<{ reserveStock: ReservationResult }>(RESERVE, variables).then((r) => r.reserveStock);
    };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => reserve(i)));
    const held = results.filter((r) => r.status === 'HELD');
    expect(held).toHaveLength(10);
    expect(results.filter((r) => r.status === 'REJECTED')).toHaveLength(40);
    expect(await stored(sku)).toBe(0);
    expect((await ops.holds(sku)).sort()).toEqual(held.map((r) => r.id).sort());

    // Releases through both replicas at once give every unit back, once.
    await Promise.all(held.map((r, i) => (i % 2 === 0 ? ops.release(r.id) : callReplica(RELEASE, { id: r.id }))));
    expect(await stored(sku)).toBe(10);
    expect(await ops.holds(sku)).toEqual([]);
  });
});
