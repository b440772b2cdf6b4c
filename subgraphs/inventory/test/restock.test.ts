import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, inventoryOps, startInventoryPlatform, type InventoryPlatform, type ReservationResult } from './support.js';

const RESTOCK = 'mutation Restock($id: ID!) { restockReservation(reservationId: $id) { id status shortSkus expiresAt } }';

let inv: InventoryPlatform;
let ops: ReturnType<typeof inventoryOps>;
const restock = async (id: string) => (await inv.call<{ restockReservation: ReservationResult }>(RESTOCK, { id })).restockReservation;
const restockIds = async (sku: string) => (await inv.service.models.Stock.findOne({ sku }).lean())?.restockIds ?? [];

beforeAll(async () => {
  inv = await startInventoryPlatform({ RESERVATION_SWEEP_MS: '3600000' });
  ops = inventoryOps(inv);
});
afterAll(async () => inv?.platform.stop());


describe('restockReservation (a cancelled order puts its units back on sale)', () => {
  it('returns sold units once, however often it is called', async () => {
    const [a, b] = [await ops.stocked('RS-A', 10), await ops.stocked('RS-B', 5)];
    const id = `restock-${a}`;
    await ops.reserve(id, [{ sku: a, quantity: 3 }, { sku: b, quantity: 2 }]);
    expect((await ops.commit(id)).status).toBe('COMMITTED');
    expect(await ops.levels(a, b)).toEqual({ [a]: 7, [b]: 3 });

    expect((await restock(id)).status).toBe('RESTOCKED');
    expect(await ops.levels(a, b)).toEqual({ [a]: 10, [b]: 5 });
    expect((await restock(id)).status).toBe('RESTOCKED');
    expect((await ops.release(id)).status).toBe('RESTOCKED');
    expect((await ops.commit(id)).status).toBe('RESTOCKED');
    expect(await ops.levels(a, b)).toEqual({ [a]: 10, [b]: 5 });
    expect([...(await ops.holds(a)), ...(await restockIds(a)), ...(await restockIds(b))]).toEqual([]);
  });

  it('returns the units once when 10 restocks of one reservation arrive together', async () => {
    const sku = await ops.stocked('RS-CONC', 10);
    const id = `restock-conc-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 4 }]);
    await ops.commit(id);
    const results = await Promise.all(Array.from({ length: 10 }, () => restock(id)));
    expect(results.every((r) => r.status === 'RESTOCKED')).toBe(true);
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
  });

  it('releases a reservation that is still held', async () => {
    const sku = await ops.stocked('RS-HELD', 10);
    const id = `restock-held-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 6 }]);
    expect((await restock(id)).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
    expect(await ops.holds(sku)).toEqual([]);
  });

  it('gives back the held units of a commit a crash left unsettled, once', async () => {
    const sku = await ops.stocked('RS-UNSETTLED', 10);
    const id = `restock-unsettled-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 5 }]);
    // As if the process died between recording the commit and pulling the holds.
    await inv.service.models.Reservation.updateOne({ _id: id }, { $set: { status: 'COMMITTED', holdsSettled: false } });
    expect(await ops.holds(sku)).toEqual([id]);
    expect((await restock(id)).status).toBe('RESTOCKED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
    expect(await ops.holds(sku)).toEqual([]);
    await restock(id);
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
  });

  it('leaves a RELEASED record for an unknown id, so a late reserve holds nothing', async () => {
    const sku = await ops.stocked('RS-UNKNOWN', 10);
    const id = `restock-unknown-${sku}`;
    expect((await restock(id)).status).toBe('RELEASED');
    expect((await ops.reserve(id, [{ sku, quantity: 1 }])).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
  });

  it('refuses a malformed id and changes nothing', async () => {
    expect(await errorCode(restock('bad id!'))).toBe('BAD_USER_INPUT');
  });

  it('is for services only', async () => {
    const sku = await ops.stocked('RS-AUTH', 10);
    const id = `restock-auth-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 2 }]);
    await ops.commit(id);
    for (const role of ['CUSTOMER', 'ADMIN'] as const) {
      const r = await inv.asViewer({ userId: '64b7f0000000000000000001', role }, RESTOCK, { id });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await ops.levels(sku)).toEqual({ [sku]: 8 });
  });
});
