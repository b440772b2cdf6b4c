import type { ChargeResult } from './clients.js';
import type { OrdersDeps } from './deps.js';
import type { OrderRecord, OrderTask } from './model.js';
import { changeStatus, finishTask } from './orders.js';

/*
 * How an order settles with other services once its status says what must
 * happen. A status change records the tasks it owes (orders.ts), then they
 * run here; each is idempotent on the other side, so the live request and
 * the recovery pass may both run one, and a crash in between only delays it.
 */

export interface PaymentFailure {
  code: string;
  message: string;
}

export const DECLINED: PaymentFailure = { code: 'PAYMENT_DECLINED', message: 'The payment was declined; try another payment method' };
export const INVALID_TOKEN: PaymentFailure = { code: 'INVALID_PAYMENT_TOKEN', message: 'The payment token is not valid' };
export const NOT_COMPLETED: PaymentFailure = {
  code: 'PAYMENT_NOT_COMPLETED',
  message: 'The payment was never completed and nothing was charged; check out again with a new idempotency key',
};

type TaskRunner = (deps: OrdersDeps, order: OrderRecord) => Promise<unknown>;

const TASKS: Record<Exclude<OrderTask, 'settlePayment'>, TaskRunner> = {
  releaseStock: (deps, order) => deps.services.releaseReservation(order.reservationId),
  restockStock: (deps, order) => deps.services.restockReservation(order.reservationId),
  refundPayment: (deps, order) => deps.services.refundPayment(String(order._id), order.cancelReason),
  clearCart: (deps, order) => deps.services.clearCart(order.cartId, order.customerId, String(order._id)),
};

/** Runs the order's outstanding tasks; one that fails stays listed for the recovery pass. */
export async function runTasks(deps: OrdersDeps, order: OrderRecord): Promise<OrderRecord> {
  const id = String(order._id);
  const done = new Set<OrderTask>();
  for (const task of order.tasks) {
    if (task === 'settlePayment') continue;
    try {
      await TASKS[task](deps, order);
      await finishTask(deps, id, task);
      done.add(task);
    } catch (err) {
      deps.logger.warn({ orderId: id, task, err: err instanceof Error ? err.message : String(err) }, 'order task failed; recovery retries it');
    }
  }
  return { ...order, tasks: order.tasks.filter((task) => !done.has(task)) };
}

/** Paid: the held stock is sold and the order confirmed, or, if the hold lapsed meanwhile, cancelled and refunded. */
export async function confirmPaidOrder(deps: OrdersDeps, order: OrderRecord): Promise<OrderRecord> {
  const id = String(order._id);
  const reservation = await deps.services.commitReservation(order.reservationId);
  if (reservation.status === 'COMMITTED') {
    deps.crash('after-commit');
    const confirmed = await changeStatus(deps, id, {
      from: ['PENDING_PAYMENT'],
      to: 'CONFIRMED',
      removeTasks: ['settlePayment'],
      addTasks: ['clearCart'],
      set: { paymentToken: null },
    });
    deps.crash('after-confirm');
    return confirmed.order ? runTasks(deps, confirmed.order) : order;
  }
  // Only a crash or an outage longer than the hold lets it lapse; its units may be sold to someone else by now.
  const reason = 'The reserved stock lapsed before the payment completed; the payment is refunded';
  const cancelled = await changeStatus(deps, id, {
    from: ['PENDING_PAYMENT'],
    to: 'CANCELLED',
    note: reason,
    removeTasks: ['settlePayment'],
    addTasks: ['refundPayment', 'releaseStock'],
    set: { paymentToken: null, cancelReason: reason },
  });
  return cancelled.order ? runTasks(deps, cancelled.order) : order;
}

/** Not paid: the order records why and the held stock goes back. */
export async function failUnpaidOrder(deps: OrdersDeps, order: OrderRecord, failure: PaymentFailure): Promise<OrderRecord> {
  const failed = await changeStatus(deps, String(order._id), {
    from: ['PENDING_PAYMENT'],
    to: 'PAYMENT_FAILED',
    note: failure.message,
    removeTasks: ['settlePayment'],
    addTasks: ['releaseStock'],
    set: { paymentToken: null, paymentFailure: failure },
  });
  deps.crash('after-payment-failed');
  return failed.order ? runTasks(deps, failed.order) : order;
}

/** One charge per order, ever: payments dedupes by the order's payment key. */
export function chargeOrder(deps: OrdersDeps, order: OrderRecord, paymentToken: string): Promise<ChargeResult> {
  return deps.services.chargePayment({
    idempotencyKey: order.paymentKey,
    orderId: String(order._id),
    customerId: order.customerId,
    amount: order.total,
    currencyCode: order.currencyCode,
    paymentToken,
  });
}

/** After a definite charge outcome (the live request's, or recovery's replay of the same key). */
export function applyChargeOutcome(deps: OrdersDeps, order: OrderRecord, result: ChargeResult): Promise<OrderRecord> {
  switch (result.outcome) {
    case 'SUCCEEDED':
      return confirmPaidOrder(deps, order);
    case 'DECLINED':
      return failUnpaidOrder(deps, order, DECLINED);
    case 'INVALID_TOKEN':
      return failUnpaidOrder(deps, order, INVALID_TOKEN);
  }
}

/**
 * Recovery of an order left PENDING_PAYMENT (a crash, a provider timeout):
 * ask payments what happened and act on the answer, never on a guess.
 * Returns null when the answer is not final yet (try again later).
 */
export async function settleFromPayments(deps: OrdersDeps, order: OrderRecord): Promise<OrderRecord | null> {
  const payment = await deps.services.paymentForOrder(String(order._id));
  if (!payment) return failUnpaidOrder(deps, order, NOT_COMPLETED);
  switch (payment.status) {
    case 'CAPTURED':
      return confirmPaidOrder(deps, order);
    case 'REFUNDED': {
      const reason = 'The payment was refunded before the order was confirmed';
      const cancelled = await changeStatus(deps, String(order._id), {
        from: ['PENDING_PAYMENT'],
        to: 'CANCELLED',
        note: reason,
        removeTasks: ['settlePayment'],
        addTasks: ['releaseStock'],
        set: { paymentToken: null, cancelReason: reason },
      });
      return cancelled.order ? runTasks(deps, cancelled.order) : order;
    }
    case 'FAILED':
    case 'AUTHORIZED':
      // The same key and input replay the recorded outcome, or finish an
      // authorised charge: never a second charge.
      if (order.paymentToken) return applyChargeOutcome(deps, order, await chargeOrder(deps, order, order.paymentToken));
      if (payment.status === 'FAILED') return failUnpaidOrder(deps, order, { ...DECLINED, message: payment.failureReason ?? DECLINED.message });
      return null;
  }
}
