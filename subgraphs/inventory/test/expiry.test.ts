import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryOps, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

let inv: InventoryPlatform;
let ops: ReturnType<typeof inventoryOps>;

beforeAll(async () => {
  inv = await startInventoryPlatform({ RESERVATION_SWEEP_MS: '200' });
  ops = inventoryOps(inv);
});
afterAll(async () => inv?.platform.stop());

describe('reservation expiry', () => {
  it('gives expired holds back on its own timer, and the reservation can no longer be sold', async () => {
    const sku = uniqueSku('EXPIRY');
    await ops.initialize([{ sku, available: 5 }]);
    const held = await ops.reserve(`expiry-${sku}`, [{ sku, quantity: 3 }], 1);
    expect(held.status).toBe('HELD');
    expect(await ops.levels(sku)).toEqual({ [sku]: 2 });

    const deadline = Date.now() + 5_000;
    while ((await ops.levels(sku))[sku] !== 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ops.levels(sku)).toEqual({ [sku]: 5 });
    expect(await ops.holds(sku)).toEqual([]);
    const stored = await inv.service.models.Reservation.findById(`expiry-${sku}`).lean();
    expect(stored).toMatchObject({ status: 'RELEASED', holdsSettled: true });
    expect((await ops.commit(`expiry-${sku}`)).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 5 });
  });

  it('leaves unexpired holds alone', async () => {
    const sku = uniqueSku('NOT-EXPIRED');
    await ops.initialize([{ sku, available: 5 }]);
    await ops.reserve(`long-${sku}`, [{ sku, quantity: 3 }], 60);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await ops.levels(sku)).toEqual({ [sku]: 2 });
    expect((await ops.commit(`long-${sku}`)).status).toBe('COMMITTED');
  });
});
