import type { Money } from './money.js';

/*
 * Shapes that cross a service boundary through an internal operation. Both
 * sides type the call with the same declaration, so a field added on one
 * side cannot silently be missing on the other.
 */

/** A cart line as cart prices it for checkout (`checkoutCart`, current catalog prices), as orders reads it. */
export interface CheckoutLine {
  id: string;
  variantId: string;
  sku: string;
  title: string;
  quantity: number;
  unitPrice: Money;
  purchasable: boolean;
}

/**
 * A charge as orders asks payments for it (`chargePayment`), and as payments
 * hands it on to its provider to authorize.
 */
export interface ChargeRequest {
  idempotencyKey: string;
  orderId: string;
  customerId: string;
  /** Minor units, above zero. */
  amount: number;
  currencyCode: string;
  /** The token the storefront got from the provider's card form; never a card number. */
  paymentToken: string;
}
