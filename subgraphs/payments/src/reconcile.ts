import { badUserInput } from '@shopcart/kit';
import type { PaymentsDeps } from './deps.js';
import { providerUnavailable } from './errors.js';
import type { PaymentRecord } from './model.js';
import { askProvider } from './providerCalls.js';
import { applyProviderCharge, latestPayment, needsReconciliation, orderLock } from './records.js';

export function requireOrderId(orderId: string): void {
  if (orderId.trim().length === 0 || orderId.length > 255) throw badUserInput('orderId must be 1 to 255 characters', ['orderId']);
}

/**
 * The payment of an order as the provider knows it. A record the provider
 * has not confirmed (a charge or refund whose answer never arrived: timeout,
 * crash) is completed from the provider's ledger by idempotency key; null
 * when the provider never saw a charge for the order.
 */
export async function paymentForOrder(deps: PaymentsDeps, orderId: string): Promise<PaymentRecord | null> {
  requireOrderId(orderId);
  const payment = await latestPayment(deps.models, orderId);
  if (!payment || !needsReconciliation(payment)) return payment;
  // Re-read under the order's lock: a charge in flight may settle it first.
  return deps.locks.run(orderLock(orderId), async () => reconcile(deps, await latestPayment(deps.models, orderId)));
}

/** Call with the order's lock held. */
export async function reconcile(deps: PaymentsDeps, payment: PaymentRecord | null): Promise<PaymentRecord | null> {
  if (!payment || !needsReconciliation(payment)) return payment;
  if (payment.provider !== deps.provider.name) {
    deps.logger.error({ paymentId: String(payment._id), provider: payment.provider }, 'payment belongs to a provider that is not configured');
    throw providerUnavailable();
  }
  const charge = await askProvider(deps, 'lookup', (options) => deps.provider.lookup(payment.idempotencyKey, options));
  // The provider never saw the charge: nothing was taken. The intent stays, so a retry with its key can still run it.
  if (!charge) return payment.status === 'PENDING' ? null : payment;
  return applyProviderCharge(deps.models, payment, charge);
}
