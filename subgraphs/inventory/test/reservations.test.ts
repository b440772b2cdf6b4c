import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdLine } from '../src/stock.js';
import { sweepReservations } from '../src/reservations.js';
import { errorCode, inventoryOps, RESERVE, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

let inv: InventoryPlatform;
let ops: ReturnType<typeof inventoryOps>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  // The sweep stays out of the way here; expiry.test.ts covers it on a fast timer.
  inv = await startInventoryPlatform({ RESERVATION_SWEEP_MS: '3600000' });
  ops = inventoryOps(inv);
});
afterAll(async () => inv?.platform.stop());


describe('reserveStock under contention', () => {
  it('holds exactly the stock there is: 50 buyers of 1 unit, 10 in stock', async () => {
    const sku = await ops.stocked('HOT', 10);
    const ids = Array.from({ length: 50 }, (_, i) => `race-${sku}-${i}`);
    const results = await Promise.all(ids.map((id) => ops.reserve(id, [{ sku, quantity: 1 }])));
    const held = results.filter((r) => r.status === 'HELD');
    const rejected = results.filter((r) => r.status === 'REJECTED');
    expect(held).toHaveLength(10);
    expect(rejected).toHaveLength(40);
    for (const r of rejected) expect(r.shortSkus).toEqual([sku]);
    expect(await ops.levels(sku)).toEqual({ [sku]: 0 });
    expect((await ops.holds(sku)).sort()).toEqual(held.map((r) => r.id).sort());

    const released = await Promise.all(held.map((r) => ops.release(r.id)));
    expect(released.every((r) => r.status === 'RELEASED')).toBe(true);
    expect(await ops.levels(sku)).toEqual({ [sku]: 10 });
    expect(await ops.holds(sku)).toEqual([]);
  });
});

describe('reserveStock is idempotent per reservationId', () => {
  it('decrements once when the same id is retried one after another', async () => {
    const sku = await ops.stocked('SEQ', 10);
    const first = await ops.reserve(`seq-${sku}`, [{ sku, quantity: 3 }]);
    const again = await ops.reserve(`seq-${sku}`, [{ sku, quantity: 3 }]);
    const third = await ops.reserve(`seq-${sku}`, [{ sku, quantity: 3 }]);
    expect(first.status).toBe('HELD');
    expect(again).toEqual(first);
    expect(third).toEqual(first);
    expect(await ops.levels(sku)).toEqual({ [sku]: 7 });
    expect(await ops.holds(sku)).toEqual([`seq-${sku}`]);
  });

  it('decrements once when 10 retries of one id arrive at once', async () => {
    const sku = await ops.stocked('CONC', 10);
    const id = `conc-${sku}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => ops.reserve(id, [{ sku, quantity: 2 }])));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]!.status).toBe('HELD');
    expect(await ops.levels(sku)).toEqual({ [sku]: 8 });
    expect(await ops.holds(sku)).toEqual([id]);
  });

  it('answers 10 concurrent retries of a reservation that cannot be met with REJECTED and takes nothing', async () => {
    const plenty = await ops.stocked('PLENTY', 10);
    const scarce = await ops.stocked('SCARCE', 1);
    const id = `conc-short-${plenty}`;
    const lines = [{ sku: plenty, quantity: 2 }, { sku: scarce, quantity: 2 }];
    const results = await Promise.all(Array.from({ length: 10 }, () => ops.reserve(id, lines)));
    for (const r of results) expect(r).toMatchObject({ status: 'REJECTED', shortSkus: [scarce] });
    expect(await ops.levels(plenty, scarce)).toEqual({ [plenty]: 10, [scarce]: 1 });
    expect(await ops.holds(plenty)).toEqual([]);
  });

  it('resumes a reservation a crash left PENDING without taking held lines twice', async () => {
    const a = await ops.stocked('RESUME-A', 5);
    const b = await ops.stocked('RESUME-B', 5);
    const id = `resume-${a}`;
    const lines = [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }];
    // The crashed attempt: recorded PENDING and held the first line only.
    await inv.service.models.Reservation.create({ _id: id, lines, status: 'PENDING', ttlSeconds: 600 });
    expect(await holdLine(inv.service.inventory, id, lines[0]!)).toBe('held');
    const retried = await ops.reserve(id, lines);
    expect(retried.status).toBe('HELD');
    expect(await ops.levels(a, b)).toEqual({ [a]: 3, [b]: 4 });
  });

  it('refuses to reuse an id for other lines, leaving stock alone', async () => {
    const sku = await ops.stocked('REUSE', 10);
    const id = `reuse-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 1 }]);
    expect(await errorCode(ops.reserve(id, [{ sku, quantity: 4 }]))).toBe('BAD_USER_INPUT');
    expect(await ops.levels(sku)).toEqual({ [sku]: 9 });
  });
});

describe('all or nothing', () => {
  it('rejects when one line is short and leaves every other line untouched', async () => {
    const a = await ops.stocked('MULTI-A', 5);
    const b = await ops.stocked('MULTI-B', 1);
    const c = await ops.stocked('MULTI-C', 5);
    const result = await ops.reserve(`multi-${a}`, [{ sku: a, quantity: 3 }, { sku: b, quantity: 2 }, { sku: c, quantity: 5 }]);
    expect(result).toMatchObject({ status: 'REJECTED', shortSkus: [b], expiresAt: null });
    expect(await ops.levels(a, b, c)).toEqual({ [a]: 5, [b]: 1, [c]: 5 });
    for (const sku of [a, b, c]) expect(await ops.holds(sku)).toEqual([]);
  });

  it('treats a SKU inventory has never stocked as short', async () => {
    const a = await ops.stocked('KNOWN', 5);
    const unknown = uniqueSku('NEVER-STOCKED');
    const result = await ops.reserve(`unknown-${a}`, [{ sku: a, quantity: 1 }, { sku: unknown, quantity: 1 }]);
    expect(result).toMatchObject({ status: 'REJECTED', shortSkus: [unknown] });
    expect(await ops.levels(a, unknown)).toEqual({ [a]: 5, [unknown]: 0 });
  });
});

describe('commit and release', () => {
  it('commit is final: the units stay sold, the hold is gone, retries and release change nothing', async () => {
    const sku = await ops.stocked('COMMIT', 4);
    const id = `commit-${sku}`;
    const held = await ops.reserve(id, [{ sku, quantity: 3 }]);
    expect(held.status).toBe('HELD');
    const committed = await ops.commit(id);
    expect(committed).toMatchObject({ id, status: 'COMMITTED' });
    expect(await ops.levels(sku)).toEqual({ [sku]: 1 });
    expect(await ops.holds(sku)).toEqual([]);
    expect((await ops.commit(id)).status).toBe('COMMITTED');
    expect((await ops.release(id)).status).toBe('COMMITTED');
    expect((await ops.reserve(id, [{ sku, quantity: 3 }])).status).toBe('COMMITTED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 1 });
  });

  it('release gives the units back once, and a released reservation cannot be sold', async () => {
    const sku = await ops.stocked('RELEASE', 4);
    const id = `release-${sku}`;
    await ops.reserve(id, [{ sku, quantity: 3 }]);
    expect(await ops.levels(sku)).toEqual({ [sku]: 1 });
    expect((await ops.release(id)).status).toBe('RELEASED');
    expect((await ops.release(id)).status).toBe('RELEASED');
    expect((await ops.commit(id)).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 4 });
    expect(await ops.holds(sku)).toEqual([]);
  });

  it('commit after expiry answers RELEASED and the units are back', async () => {
    const sku = await ops.stocked('EXPIRED', 4);
    const id = `expired-${sku}`;
    const held = await ops.reserve(id, [{ sku, quantity: 2 }], 1);
    expect(held.status).toBe('HELD');
    expect(new Date(held.expiresAt!).getTime()).toBeGreaterThan(Date.now());
    await sleep(1_100);
    expect((await ops.commit(id)).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 4 });
    expect(await ops.holds(sku)).toEqual([]);
  });

  it('a release that arrives before its reservation keeps the late reservation from holding stock', async () => {
    const sku = await ops.stocked('LATE', 4);
    const id = `late-${sku}`;
    expect((await ops.release(id)).status).toBe('RELEASED');
    expect((await ops.reserve(id, [{ sku, quantity: 1 }])).status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 4 });
  });

  it('answers NOT_FOUND for committing an unknown reservation', async () => {
    expect(await errorCode(ops.commit(`missing-${uniqueSku('X')}`))).toBe('NOT_FOUND');
  });
});

describe('input validation', () => {
  const cases: Array<[string, (sku: string) => { id: string; lines: Array<{ sku: string; quantity: number }>; ttl: number }]> = [
    ['no lines', (sku) => ({ id: `v0-${sku}`, lines: [], ttl: 60 })],
    ['101 lines', (sku) => ({ id: `v1-${sku}`, lines: Array.from({ length: 101 }, (_, i) => ({ sku: `${sku}-${i}`, quantity: 1 })), ttl: 60 })],
    ['a SKU twice', (sku) => ({ id: `v2-${sku}`, lines: [{ sku, quantity: 1 }, { sku, quantity: 1 }], ttl: 60 })],
    ['quantity 0', (sku) => ({ id: `v3-${sku}`, lines: [{ sku, quantity: 0 }], ttl: 60 })],
    ['quantity 1001', (sku) => ({ id: `v4-${sku}`, lines: [{ sku, quantity: 1001 }], ttl: 60 })],
    ['ttlSeconds 0', (sku) => ({ id: `v5-${sku}`, lines: [{ sku, quantity: 1 }], ttl: 0 })],
    ['ttlSeconds 3601', (sku) => ({ id: `v6-${sku}`, lines: [{ sku, quantity: 1 }], ttl: 3601 })],
    ['a malformed SKU', (sku) => ({ id: `v7-${sku}`, lines: [{ sku, quantity: 1 }, { sku: 'no spaces allowed', quantity: 1 }], ttl: 60 })],
    ['a malformed reservationId', (sku) => ({ id: `v8 ${sku}`, lines: [{ sku, quantity: 1 }], ttl: 60 })],
  ];

  it.each(cases)('refuses %s with BAD_USER_INPUT and changes nothing', async (_why, build) => {
    const sku = await ops.stocked('VALID', 5);
    const { id, lines, ttl } = build(sku);
    expect(await errorCode(inv.call(RESERVE, { id, lines, ttl }))).toBe('BAD_USER_INPUT');
    expect(await ops.levels(sku)).toEqual({ [sku]: 5 });
    expect(await inv.service.models.Reservation.countDocuments({ _id: id })).toBe(0);
  });

  it('accepts the limits themselves: 100 lines, quantity 1000, ttlSeconds 3600', async () => {
    const skus = Array.from({ length: 100 }, () => uniqueSku('LIMIT'));
    await ops.initialize(skus.map((sku) => ({ sku, available: 1000 })));
    const result = await ops.reserve(`limits-${skus[0]}`, skus.map((sku) => ({ sku, quantity: 1000 })), 3600);
    expect(result.status).toBe('HELD');
    expect(Object.values(await ops.levels(...skus)).every((n) => n === 0)).toBe(true);
  });
});

describe('recovery sweep', () => {
  const deps = () => inv.service.inventory;

  it('releases a reservation abandoned PENDING for over a minute', async () => {
    const sku = await ops.stocked('ABANDONED', 5);
    const id = `abandoned-${sku}`;
    const line = { sku, quantity: 2 };
    const longAgo = new Date(Date.now() - 120_000);
    await inv.service.models.Reservation.collection.insertOne({ _id: id as never, lines: [line], status: 'PENDING', ttlSeconds: 60, shortSkus: [], expiresAt: null, holdsSettled: false, createdAt: longAgo, updatedAt: longAgo });
    await holdLine(inv.service.inventory, id, line);
    expect(await ops.levels(sku)).toEqual({ [sku]: 3 });
    await sweepReservations(deps());
    expect((await inv.service.models.Reservation.findById(id).lean())?.status).toBe('RELEASED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 5 });
    expect(await ops.holds(sku)).toEqual([]);
  });

  it('leaves a fresh PENDING reservation alone', async () => {
    const sku = await ops.stocked('FRESH', 5);
    const id = `fresh-${sku}`;
    const line = { sku, quantity: 2 };
    await inv.service.models.Reservation.create({ _id: id, lines: [line], status: 'PENDING', ttlSeconds: 60 });
    await holdLine(inv.service.inventory, id, line);
    await sweepReservations(deps());
    expect((await inv.service.models.Reservation.findById(id).lean())?.status).toBe('PENDING');
    expect(await ops.levels(sku)).toEqual({ [sku]: 3 });
  });

  it('forgets finished reservations after the retention period, and only those', async () => {
    const sku = uniqueSku('PURGE');
    const old = new Date(Date.now() - 8 * 86_400_000);
    const doc = (id: string, status: string, holdsSettled: boolean, at: Date) => ({
      _id: id as never, lines: [{ sku, quantity: 1 }], status, ttlSeconds: 60, shortSkus: [], expiresAt: at, holdsSettled, createdAt: at, updatedAt: at,
    });
    await inv.service.models.Reservation.collection.insertMany([
      doc(`purge-old-${sku}`, 'COMMITTED', true, old),
      doc(`purge-recent-${sku}`, 'COMMITTED', true, new Date()),
      doc(`purge-unsettled-${sku}`, 'RELEASED', false, old),
    ]);
    const swept = await sweepReservations(deps());
    expect(swept.purged).toBeGreaterThanOrEqual(1);
    const left = await inv.service.models.Reservation.find({ _id: { $in: [`purge-old-${sku}`, `purge-recent-${sku}`, `purge-unsettled-${sku}`] } }, { _id: 1 }).lean();
    expect(left.map((r) => r._id).sort()).toEqual([`purge-recent-${sku}`, `purge-unsettled-${sku}`]);
  });

  it('finishes a commit and a release that a crash interrupted after the status change', async () => {
    const sold = await ops.stocked('CRASH-SOLD', 5);
    const back = await ops.stocked('CRASH-BACK', 5);
    const soldId = `crash-sold-${sold}`;
    const backId = `crash-back-${back}`;
    await ops.reserve(soldId, [{ sku: sold, quantity: 2 }]);
    await ops.reserve(backId, [{ sku: back, quantity: 2 }]);
    // The status changed, then the process died before touching the stock documents.
    await inv.service.models.Reservation.updateOne({ _id: soldId }, { $set: { status: 'COMMITTED' } });
    await inv.service.models.Reservation.updateOne({ _id: backId }, { $set: { status: 'RELEASED' } });
    const swept = await sweepReservations(deps());
    expect(swept.settled).toBeGreaterThanOrEqual(2);
    expect(await ops.levels(sold, back)).toEqual({ [sold]: 3, [back]: 5 });
    expect(await ops.holds(sold)).toEqual([]);
    expect(await ops.holds(back)).toEqual([]);
    // Settled once: another pass changes nothing.
    await sweepReservations(deps());
    expect(await ops.levels(sold, back)).toEqual({ [sold]: 3, [back]: 5 });
  });
});
