import type { ChargeRequest } from '@shopcart/kit';

/**
 * What payments needs from a payment provider (a card processor). Every call
 * carries an idempotency key and must be safe to repeat: payments retries
 * after timeouts and crashes, and a repeat must answer with the original
 * result, never charge or refund twice.
 *
 * Business answers (declined, invalid token) are results; a thrown error means
 * the provider could not be asked or did not answer, and the outcome is unknown.
 */

/** Where a charge stands at the provider. */
export type ProviderChargeStatus = 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'INVALID_TOKEN';

export interface ProviderRefund {
  refundId: string;
  idempotencyKey: string;
  /** Minor units. */
  amount: number;
  createdAt: Date;
}

export interface ProviderCharge {
  chargeId: string;
  idempotencyKey: string;
  status: ProviderChargeStatus;
  /** Minor units. */
  amount: number;
  currencyCode: string;
  last4: string | null;
  /** Set for DECLINED and INVALID_TOKEN: the provider's reason, fit to show a customer. */
  failureReason: string | null;
  refunds: ProviderRefund[];
}

/** Payments hands the provider the charge as orders asked for it. */
export type AuthorizeRequest = ChargeRequest;

export interface ProviderCallOptions {
  /** Aborted when payments stops waiting; the provider may still act on the call. */
  signal: AbortSignal;
}

export interface PaymentProvider {
  /** Recorded on every payment; the provider a payment names is the one asked to finish or reconcile it. */
  readonly name: string;
  /** Holds the amount on the card, or answers DECLINED / INVALID_TOKEN. */
  authorize(request: AuthorizeRequest, options: ProviderCallOptions): Promise<ProviderCharge>;
  /** Takes the held amount; capturing a captured charge returns it unchanged. */
  capture(request: { idempotencyKey: string; chargeId: string }, options: ProviderCallOptions): Promise<ProviderCharge>;
  /** Returns money of a captured charge. */
  refund(request: { idempotencyKey: string; chargeId: string; amount: number }, options: ProviderCallOptions): Promise<ProviderRefund>;
  /** The charge made under an authorize idempotency key, with its refunds; null when the provider never saw the key. */
  lookup(idempotencyKey: string, options: ProviderCallOptions): Promise<ProviderCharge | null>;
}
