import { randomUUID } from 'node:crypto';
import { createLogger, connectMongo } from '@shopcart/kit';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceKeyEnv, spawnService, stopService, waitReady, freePort, type ServiceProcess } from '@shopcart/testing';
import { CRASH_POINTS, type CrashPoint } from '../src/faults.js';
import { createModels, type OrdersModels } from '../src/model.js';
import { CART, eventually, startOrdersPlatform, type OrdersPlatform } from './support.js';

/*
 * Kill the orders service at each step of a checkout, as a crash would:
 * the service runs as its own process and dies abruptly (SIGKILL) at the
 * step named by ORDERS_CRASH_AT. Restarted without the fault, its recovery
 * pass must bring stock, payment and order into agreement: no stock lost or
 * left held, no charge without a CONFIRMED (or refunded) order.
 */

let p: OrdersPlatform;
let port: number;
let connection: Connection;
let models: OrdersModels;

beforeAll(async () => {
  port = await freePort();
  p = await startOrdersPlatform(
    // The router sends orders' share of every plan to the process under test; one failed call per crash must not open its breaker.
    { ORDERS_URL: `http://127.0.0.1:${port}/graphql`, SUBGRAPH_BREAKER_MIN_REQUESTS: '1000' },
    { subgraphs: ['users', 'inventory', 'products', 'payments', 'cart'] },
  );
  connection = await connectMongo({ url: p.platform.env.MONGODB_URL!, dbName: p.platform.env.ORDERS_DB_NAME!, logger: createLogger('test', 'silent') });
  models = createModels(connection);
});
afterAll(async () => {
  await connection?.close();
  await p?.stop();
});

function startOrders(crashAt?: CrashPoint): ServiceProcess {
  const env: Record<string, string> = {
    ...p.platform.env,
    ...serviceKeyEnv('orders', p.platform.keys),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    CHECKOUT_RECOVERY_AFTER_MS: '500',
    RECOVERY_INTERVAL_MS: '200',
    ...(crashAt ? { ORDERS_CRASH_AT: crashAt } : {}),
  };
  return spawnService('orders', port, env, process.env.TEST_LOG_LEVEL ? (line) => process.stderr.write(`${line}\n`) : null);
}

const exited = (service: ServiceProcess) =>
  new Promise<string | null>((resolve) => {
    if (service.child.exitCode !== null || service.child.signalCode !== null) resolve(service.child.signalCode);
    else service.child.once('exit', (_code, signal) => resolve(signal));
  });

type Expected = 'no order' | 'CONFIRMED' | 'PAYMENT_FAILED';
const EXPECTED: Record<CrashPoint, Expected> = {
  'after-claim': 'no order',
  'after-reserve': 'no order',
  'after-order': 'PAYMENT_FAILED',
  'after-charge': 'CONFIRMED',
  'after-commit': 'CONFIRMED',
  'after-confirm': 'CONFIRMED',
  'after-payment-failed': 'PAYMENT_FAILED',
};

describe('the orders process', () => {
  it('drains and exits cleanly on SIGTERM', { timeout: 60_000 }, async () => {
    const service = startOrders();
    await waitReady(service);
    const exit = new Promise<number | null>((resolve) => service.child.once('exit', (code) => resolve(code)));
    service.child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});

describe('a crash at any step of a checkout', () => {
  for (const step of CRASH_POINTS) {
    it(`converges after the orders process dies ${step}`, { timeout: 120_000 }, async () => {
      const buyer = await p.customer(`crash-${step}`);
      const tee = await p.variant('20.00', 5, `Crash Tee ${step}`);
      await buyer.add(tee.id, 2);
      const paymentToken = step === 'after-payment-failed' ? 'tok_chargeDeclined' : 'tok_visa';
      const key = randomUUID();

      const doomed = startOrders(step);
      let survivor: ServiceProcess | null = null;
      try {
        await waitReady(doomed);
        const died = exited(doomed);
        const r = await buyer.checkout({ idempotencyKey: key, paymentToken });
        expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
        expect(await died).toBe('SIGKILL');

        survivor = startOrders();
        await waitReady(survivor);
        const expected = EXPECTED[step];
        const order = await eventually(async () => {
          expect(await models.Checkout.countDocuments({ customerId: buyer.id, state: 'RUNNING' })).toBe(0);
          const orders = await models.Order.find({ customerId: buyer.id }).lean();
          if (expected === 'no order') {
            expect(orders).toEqual([]);
            return null;
          }
          expect(orders).toHaveLength(1);
          expect(orders[0]).toMatchObject({ status: expected, tasks: [] });
          return orders[0]!;
        }, 30_000);

        // Stock, payment and order agree.
        expect(await p.holds(tee.sku)).toEqual([]);
        const reservations = await p.inventory.models.Reservation.find({ 'lines.sku': tee.sku }).lean();
        expect(reservations.filter((r) => r.status === 'HELD' || r.status === 'PENDING')).toEqual([]);
        const charges = order ? await p.providerCharges(String(order._id)) : [];
        if (expected === 'CONFIRMED') {
          expect(await p.available(tee.sku)).toBe(3);
          expect(charges.map((c) => c.status)).toEqual(['CAPTURED']);
          expect((await buyer.gql(CART)).data.cart?.totalQuantity ?? 0).toBe(0);
        } else {
          expect(await p.available(tee.sku)).toBe(5);
          expect(charges.filter((c) => c.status === 'CAPTURED')).toEqual([]);
          expect((await buyer.gql(CART)).data.cart.totalQuantity).toBe(2);
        }
        expect(await p.payments.models.Payment.countDocuments({ customerId: buyer.id, status: 'CAPTURED' })).toBe(expected === 'CONFIRMED' ? 1 : 0);

        // The customer's retry with the same key: the converged order, or (no order was made) a checkout that now goes through.
        const retry = await buyer.checkout({ idempotencyKey: key, paymentToken });
        if (order) expect(retry.data.checkout.order).toMatchObject({ id: String(order._id), status: expected });
        else expect(retry.data.checkout.order.status).toBe('CONFIRMED');
      } finally {
        await stopService(doomed);
        if (survivor) await stopService(survivor);
      }
    });
  }
});
