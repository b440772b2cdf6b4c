import { createHash } from 'node:crypto';
import { graphqlError, isDuplicateKey } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { OrdersDeps } from './deps.js';
import type { CheckoutRecord, OrderRecord } from './model.js';
import { findOrder } from './orders.js';

/*
 * Idempotency keys, with Stripe's semantics. A key belongs to its customer.
 * The first call with a key claims it (one document per customer and key,
 * created with a unique _id, so of two calls arriving together exactly one
 * claims) and picks the order id up front. Every later call with the key:
 *   - another input                  -> IDEMPOTENCY_KEY_REUSED
 *   - the first call still running   -> waits for it, then answers as below
 *   - the first call made an order   -> that order, as it stands now
 * A call that ends before any order exists (an empty cart, stock short, a bad
 * address) saves no result: its claim is removed and the key may be used
 * again. A claim whose call died (a crash) is taken over once its lease runs
 * out. Keys are kept IDEMPOTENCY_RETENTION_HOURS (at least 24 h) and then
 * swept by the service: FerretDB v1 has no TTL indexes.
 */

export const MAX_KEY_LENGTH = 255;
const WAIT_POLL_MS = 100;
/** How long a call waits for another replica's call with its key before asking the client to retry. */
const MAX_WAIT_MS = 20_000;
/**
 * How long a retry waits for the call running with its key before it
 * answers with that call's order as it stands (PENDING_PAYMENT while the
 * charge is under way), if one exists: long enough that retries arriving
 * together with an ordinary checkout get its final answer, short enough that
 * a client retrying a slow checkout is not held for another full deadline.
 */
const RETRY_PATIENCE_MS = 2_000;

export const checkoutRecordId = (customerId: string, key: string): string => createHash('sha256').update(`${customerId}\u0000${key}`).digest('hex');

export function fingerprintOf(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

export type Claim =
  | { kind: 'claimed'; record: CheckoutRecord }
  | { kind: 'reused' }
  | { kind: 'replay'; order: OrderRecord };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Claims the key for this call, or answers with what an earlier call with
 * the key decided. The first call in a process holds its in-process lock;
 * a retry meanwhile, or a call on another replica, waits here.
 */
export async function claimCheckout(deps: OrdersDeps, recordId: string, customerId: string, fingerprint: string): Promise<Claim> {
  const { Checkout } = deps.models;
  const waitUntil = Date.now() + MAX_WAIT_MS;
  const patientUntil = Date.now() + RETRY_PATIENCE_MS;
  for (;;) {
    try {
      const created = await Checkout.create({
        _id: recordId,
        customerId,
        fingerprint,
        state: 'RUNNING',
        orderId: new Types.ObjectId(),
        leaseUntil: new Date(Date.now() + deps.recoverAfterMs),
      });
      return { kind: 'claimed', record: created.toObject() as CheckoutRecord };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const existing = await Checkout.findById(recordId).lean<CheckoutRecord>();
    if (!existing) continue; // removed just now (an attempt that saved no result): claim again
    if (existing.fingerprint !== fingerprint) return { kind: 'reused' };
    if (existing.state === 'DONE') {
      const order = await findOrder(deps.models, String(existing.orderId));
      if (order) return { kind: 'replay', order };
      // DONE always names an existing order; a record without one is a leftover to forget.
      await Checkout.deleteOne({ _id: recordId, state: 'DONE', orderId: existing.orderId });
      continue;
    }
    if (existing.leaseUntil > new Date()) {
      if (Date.now() > patientUntil) {
        const order = await findOrder(deps.models, String(existing.orderId));
        if (order) return { kind: 'replay', order };
      }
      if (Date.now() > waitUntil) throw graphqlError('SERVICE_UNAVAILABLE', 'A checkout with this idempotency key is still in progress; retry shortly with the same key');
      await pause(WAIT_POLL_MS);
      continue;
    }
    await recoverAbandonedCheckout(deps, existing);
  }
}

/** The attempt is over and its order exists: later calls with the key get that order. */
export async function finishCheckout(deps: OrdersDeps, record: CheckoutRecord): Promise<void> {
  await deps.models.Checkout.updateOne({ _id: record._id, orderId: record.orderId }, { $set: { state: 'DONE' } });
}

/** The attempt ended before any order existed: no result is kept, the key is free again. */
export async function forgetCheckout(deps: OrdersDeps, record: CheckoutRecord): Promise<void> {
  await deps.models.Checkout.deleteOne({ _id: record._id, state: 'RUNNING', orderId: record.orderId });
}

export const reservationIdOf = (orderId: string) => `order-${orderId}`;

/**
 * An attempt that died past its lease. If it got as far as the order, the
 * order carries on (recovery settles its payment) and the key answers with
 * it. If not, whatever stock it may have held goes back (releasing an
 * unknown reservation also stops a late reserve from holding anything) and
 * the key is free again.
 */
export async function recoverAbandonedCheckout(deps: OrdersDeps, record: CheckoutRecord): Promise<'order' | 'released'> {
  const orderId = String(record.orderId);
  if (await findOrder(deps.models, orderId)) {
    await finishCheckout(deps, record);
    return 'order';
  }
  await deps.services.releaseReservation(reservationIdOf(orderId));
  await forgetCheckout(deps, record);
  return 'released';
}

/** FerretDB v1 has no TTL indexes: finished keys past their retention are deleted here. */
export async function sweepCheckouts(deps: Pick<OrdersDeps, 'models'>, retentionMs: number, now = new Date()): Promise<number> {
  const result = await deps.models.Checkout.deleteMany({ state: 'DONE', createdAt: { $lt: new Date(now.getTime() - retentionMs) } });
  return result.deletedCount;
}
