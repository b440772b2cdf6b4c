import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '@shopcart/testing';
import { startOrdersPlatform, type Customer, type OrdersPlatform } from './support.js';

let p: OrdersPlatform;

beforeAll(async () => {
  // The router's production budgets: the sale must hold without more time.
  p = await startOrdersPlatform({ SUBGRAPH_TIMEOUT_MS: '5000', ROUTER_REQUEST_TIMEOUT_MS: '15000' });
  // A store of realistic size, so a lookup that reads whole collections shows:
  // 1,000 products, about 2,900 SKUs with their stock.
  const seeded = await seedCatalog({ mongoUrl: p.platform.env.MONGODB_URL!, productsDb: p.platform.env.PRODUCTS_DB_NAME, inventoryDb: p.platform.env.INVENTORY_DB_NAME, size: 1_000 });
  expect(seeded.variants).toBeGreaterThan(2_000);
}, 120_000);
afterAll(async () => p?.stop());

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

describe('flash sale', () => {
  it('50 buyers at once for 10 units: exactly 10 orders confirmed and paid, 40 OUT_OF_STOCK, nothing left held', { timeout: 180_000 }, async () => {
    const hot = await p.variant('99.00', 10, 'Flash Sneaker');
    const buyers: Customer[] = await inBatches(
      Array.from({ length: 50 }, (_, i) => i),
      10,
      async (i) => {
        const buyer = await p.customer(`flash-${i}`);
        await buyer.add(hot.id, 1);
        return buyer;
      },
    );

    const results = await Promise.all(buyers.map((buyer) => buyer.checkout()));
    // No SERVICE_UNAVAILABLE nor any other error: every buyer gets an order or OUT_OF_STOCK.
    for (const r of results) expect(r.errors).toBeUndefined();
    const confirmed = results.filter((r) => r.data.checkout.order?.status === 'CONFIRMED');
    const short = results.filter((r) => r.data.checkout.userErrors[0]?.code === 'OUT_OF_STOCK');
    expect(confirmed).toHaveLength(10);
    expect(short).toHaveLength(40);
    for (const r of short) expect(r.data.checkout.order).toBeNull();

    expect(await p.available(hot.sku)).toBe(0);
    expect(await p.holds(hot.sku)).toEqual([]);
    const orderIds = confirmed.map((r) => r.data.checkout.order.id as string);
    expect(new Set(confirmed.map((r) => r.data.checkout.order.number)).size).toBe(10);
    expect(await p.service.models.Order.countDocuments({ customerId: { $in: buyers.map((b) => b.id) } })).toBe(10);
    const payments = (await Promise.all(orderIds.map((id) => p.paymentsOf(id)))).flat();
    expect(payments.map((payment) => payment.status)).toEqual(Array(10).fill('CAPTURED'));
    expect(await p.payments.models.Payment.countDocuments({ customerId: { $in: buyers.map((b) => b.id) } })).toBe(10);
    // Every reservation of the sale is final: sold, or never held.
    const reservations = await p.inventory.models.Reservation.find({ 'lines.sku': hot.sku }).lean();
    expect(reservations.filter((r) => r.status === 'HELD' || r.status === 'PENDING')).toEqual([]);
    expect(reservations.filter((r) => r.status === 'COMMITTED')).toHaveLength(10);
    expect(await p.service.models.Checkout.countDocuments({ state: 'RUNNING' })).toBe(0);
  });
});
