import { findIn } from '@shopcart/kit';
import type { PaymentModels, PaymentRecord, PaymentRecordStatus, RefundRecord } from './model.js';
import type { ProviderCharge, ProviderRefund } from './providers/provider.js';

/**
 * Every write for one order queues behind this key: FerretDB runs conditional
 * updates without isolation, and an order has one payment at a time, so
 * charges, refunds and reconciliation of an order never interleave.
 */
export const orderLock = (orderId: string) => `order:${orderId}`;

export async function findByKey(models: PaymentModels, idempotencyKey: string): Promise<PaymentRecord | null> {
  return models.Payment.findOne({ idempotencyKey }).lean<PaymentRecord>();
}

/** An order's latest charge attempt: the one that counts (earlier ones all FAILED). */
export async function latestPayment(models: PaymentModels, orderId: string): Promise<PaymentRecord | null> {
  return models.Payment.findOne({ orderId }).sort({ createdAt: -1, _id: -1 }).lean<PaymentRecord>();
}

/** The latest settled payment of each order, in one query; orders without one are absent. */
export async function latestSettledPayments(models: PaymentModels, orderIds: readonly string[]): Promise<Map<string, PaymentRecord>> {
  const payments = (await findIn<PaymentRecord>(models.Payment, 'orderId', orderIds, { filter: { status: { $ne: 'PENDING' } } })).sort(
    (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || String(b._id).localeCompare(String(a._id)),
  );
  const latest = new Map<string, PaymentRecord>();
  for (const payment of payments) if (!latest.has(payment.orderId)) latest.set(payment.orderId, payment);
  return latest;
}

/** The local record is missing what only the provider knows: a charge or a refund with no answer recorded. */
export const needsReconciliation = (payment: PaymentRecord) => payment.status === 'PENDING' || payment.refundRequest !== null;

// Statuses only move forward, so a stale or repeated provider answer never undoes a newer one.
const RANK: Record<PaymentRecordStatus, number> = { PENDING: 0, AUTHORIZED: 1, FAILED: 2, CAPTURED: 2, REFUNDED: 3 };
const upTo = (status: PaymentRecordStatus) => (Object.keys(RANK) as PaymentRecordStatus[]).filter((s) => RANK[s] <= RANK[status]);

const refundedAmount = (refunds: ReadonlyArray<{ amount: number }>) => refunds.reduce((sum, refund) => sum + refund.amount, 0);

function refundRecord(payment: PaymentRecord, refund: ProviderRefund, reason: string | null): RefundRecord {
  // A refund already recorded keeps its reason; one we asked for carries the request's.
  const known = payment.refunds.find((r) => r.idempotencyKey === refund.idempotencyKey);
  return {
    idempotencyKey: refund.idempotencyKey,
    providerRefundId: refund.refundId,
    amount: refund.amount,
    reason: known?.reason ?? reason,
    createdAt: refund.createdAt,
  };
}

/** The provider's view of a charge, as fields of our record. */
function stateFromCharge(payment: PaymentRecord, charge: ProviderCharge) {
  const failed = charge.status === 'DECLINED' || charge.status === 'INVALID_TOKEN';
  const refunds = charge.refunds.map((refund) =>
    refundRecord(payment, refund, refund.idempotencyKey === payment.refundRequest?.idempotencyKey ? payment.refundRequest.reason : null),
  );
  let status: PaymentRecordStatus = charge.status === 'AUTHORIZED' ? 'AUTHORIZED' : 'FAILED';
  if (charge.status === 'CAPTURED') status = refundedAmount(refunds) >= payment.amount ? 'REFUNDED' : 'CAPTURED';
  const requestDone = payment.refundRequest !== null && refunds.some((r) => r.idempotencyKey === payment.refundRequest!.idempotencyKey);
  return {
    status,
    providerChargeId: charge.chargeId,
    last4: charge.last4,
    failureCode: failed ? charge.status : null,
    failureReason: failed ? charge.failureReason : null,
    refunds,
    refundRequest: requestDone ? null : payment.refundRequest,
  };
}

async function update(models: PaymentModels, payment: PaymentRecord, status: PaymentRecordStatus, change: Record<string, unknown>): Promise<PaymentRecord> {
  if (RANK[status] < RANK[payment.status]) return payment;
  const updated = await models.Payment.findOneAndUpdate(
    { _id: payment._id, status: { $in: upTo(status) } },
    { $set: change },
    { returnDocument: 'after' },
  ).lean<PaymentRecord>();
  // Nothing matched: another writer moved the payment further; theirs stands.
  return updated ?? (await models.Payment.findById(payment._id).lean<PaymentRecord>())!;
}

/** Records what the provider said about the charge (authorize, capture or lookup). */
export async function applyProviderCharge(models: PaymentModels, payment: PaymentRecord, charge: ProviderCharge): Promise<PaymentRecord> {
  const state = stateFromCharge(payment, charge);
  return update(models, payment, state.status, state);
}

/** Records a refund the provider confirmed; refunds are whole, so the payment is REFUNDED. */
export async function applyProviderRefund(models: PaymentModels, payment: PaymentRecord, refund: ProviderRefund, reason: string | null): Promise<PaymentRecord> {
  const refunds = [...payment.refunds.filter((r) => r.idempotencyKey !== refund.idempotencyKey), refundRecord(payment, refund, reason)];
  const status: PaymentRecordStatus = refundedAmount(refunds) >= payment.amount ? 'REFUNDED' : payment.status;
  return update(models, payment, status, { status, refunds, refundRequest: null });
}
