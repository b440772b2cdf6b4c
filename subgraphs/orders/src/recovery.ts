import { findIn } from '@shopcart/kit';
import type { OrdersDeps } from './deps.js';
import { recoverAbandonedCheckout, sweepCheckouts } from './idempotency.js';
import { ORDER_TASKS, type CheckoutRecord, type OrderRecord } from './model.js';
import { sweepNotifications } from './notifications.js';
import { findOrder, postponeRecovery, withOrder } from './orders.js';
import { runTasks, settleFromPayments } from './settlement.js';

const BATCH = 100;

export interface RecoveryResult {
  /** Checkout attempts that died before or after creating their order. */
  abandoned: number;
  /** Orders whose payment or tasks were settled (or tried again). */
  orders: number;
  /** Expired idempotency keys and old notifications deleted. */
  swept: number;
}

/**
 * The recovery pass, on start and every RECOVERY_INTERVAL_MS:
 *  - a checkout attempt past its lease died (a crash): if it created its
 *    order, the order carries on; if not, its stock goes back;
 *  - an order still PENDING_PAYMENT past its deadline: payments says what
 *    happened to the charge, and the order is confirmed, failed or
 *    cancelled and refunded accordingly (settlement.ts);
 *  - tasks a status change owes other services (release, restock, refund,
 *    clear the cart) that failed or were cut short, tried again;
 *  - idempotency keys past retention forgotten.
 * Each step is conditional and idempotent, so several replicas may run it at
 * once; within a process it leaves alone what a live checkout is working on.
 */
export async function recover(deps: OrdersDeps, retentionMs: number, now = new Date()): Promise<RecoveryResult> {
  const { Checkout, Order } = deps.models;
  const stale = await Checkout.find({ state: 'RUNNING', leaseUntil: { $lte: now } }).limit(BATCH).lean<CheckoutRecord[]>();
  let abandoned = 0;
  await Promise.all(
    stale
      .filter((record) => !deps.active.has(String(record.orderId)))
      .map((listed) =>
        // The checkout's own lock: a live call with this key finishes first.
        deps.locks.run(`checkout:${listed._id}`, async () => {
          const record = await Checkout.findById(listed._id).lean<CheckoutRecord>();
          if (!record || record.state !== 'RUNNING' || record.leaseUntil > new Date()) return;
          try {
            const outcome = await recoverAbandonedCheckout(deps, record);
            deps.metrics.recoveries.inc({ action: outcome === 'order' ? 'attempt_with_order' : 'attempt_released' });
            abandoned += 1;
          } catch (err) {
            deps.logger.warn({ orderId: String(record.orderId), err: err instanceof Error ? err.message : String(err) }, 'abandoned checkout not recovered yet');
          }
        }),
      ),
  );

  const due = await findIn<OrderRecord>(Order, 'tasks', ORDER_TASKS, { filter: { recoverAfter: { $lte: now } }, limit: BATCH });
  let settled = 0;
  for (const listed of due) {
    const orderId = String(listed._id);
    if (deps.active.has(orderId)) continue;
    try {
      await recoverOrder(deps, orderId);
      settled += 1;
    } catch (err) {
      deps.logger.warn({ orderId, err: err instanceof Error ? err.message : String(err) }, 'order not recovered yet');
      await postponeRecovery(deps, orderId).catch(() => undefined);
    }
  }

  const swept = (await sweepCheckouts(deps, retentionMs, now)) + (await sweepNotifications(deps.models, now));
  return { abandoned, orders: settled, swept };
}

async function recoverOrder(deps: OrdersDeps, orderId: string): Promise<void> {
  // Read again: the order may have moved on since the list was made.
  const order = await findOrder(deps.models, orderId);
  if (!order || order.recoverAfter > new Date()) return;
  if (order.status === 'PENDING_PAYMENT' && order.tasks.includes('settlePayment')) {
    const result = await settleFromPayments(deps, order);
    deps.metrics.recoveries.inc({ action: result ? `payment_${result.status.toLowerCase()}` : 'payment_undecided' });
    // Undecided, or a task left over: tried again a full period later, so stuck orders cannot crowd out the rest.
    if (!result || result.tasks.length > 0) await postponeRecovery(deps, orderId);
    return;
  }
  if (order.tasks.includes('settlePayment')) {
    // Settled by another path without dropping the marker (cannot happen through changeStatus); drop it.
    await withOrder(deps, orderId, () => deps.models.Order.updateOne({ _id: order._id, status: { $ne: 'PENDING_PAYMENT' } }, { $pull: { tasks: 'settlePayment' } }));
  }
  const after = await runTasks(deps, order);
  deps.metrics.recoveries.inc({ action: 'tasks' });
  if (after.tasks.length > 0) await postponeRecovery(deps, orderId);
}
