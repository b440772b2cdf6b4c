import { badUserInput } from '@shopcart/kit';
import type { PaymentsDeps } from './deps.js';
import type { PaymentRecord } from './model.js';
import { askProvider } from './providerCalls.js';
import { reconcile, requireOrderId } from './reconcile.js';
import { applyProviderRefund, latestPayment, orderLock } from './records.js';

const MAX_REASON_LENGTH = 500;

/**
 * Refunds the captured payment of an order in full. The request (with its
 * idempotency key, derived from the charge's) is written before the provider
 * is asked, so a retry or a reconciliation after a lost answer uses the same
 * key and the provider refunds once.
 */
export async function refundPayment(deps: PaymentsDeps, orderId: string, reason: string | null): Promise<PaymentRecord | null> {
  requireOrderId(orderId);
  if (reason !== null && reason.length > MAX_REASON_LENGTH) throw badUserInput(`reason must be at most ${MAX_REASON_LENGTH} characters`, ['reason']);
  return deps.locks.run(orderLock(orderId), async () => {
    const payment = await reconcile(deps, await latestPayment(deps.models, orderId));
    if (!payment || payment.status === 'REFUNDED') return payment;
    if (payment.status !== 'CAPTURED') return null;

    let request = payment.refundRequest;
    if (!request) {
      request = { idempotencyKey: `${payment.idempotencyKey}:refund`, reason, requestedAt: new Date() };
      await deps.models.Payment.updateOne({ _id: payment._id, status: 'CAPTURED' }, { $set: { refundRequest: request } });
    }
    const { idempotencyKey } = request;
    let refund;
    try {
      refund = await askProvider(deps, 'refund', (options) => deps.provider.refund({ idempotencyKey, chargeId: payment.providerChargeId!, amount: payment.amount }, options));
    } catch (err) {
      deps.metrics.refunds.inc({ outcome: 'provider_unavailable' });
      throw err;
    }
    deps.metrics.refunds.inc({ outcome: 'refunded' });
    return applyProviderRefund(deps.models, { ...payment, refundRequest: request }, refund, request.reason);
  });
}
