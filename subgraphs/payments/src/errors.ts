import { GraphQLError } from 'graphql';

/**
 * The GraphQL error codes of payments' internal API. Orders acts on them
 * (retry, ask paymentForOrder later, fix its own bug), so they must reach the
 * caller as they are: the server lists them as public error codes, which the
 * kit's error mask lets through (it turns any other unknown code into
 * INTERNAL_SERVER_ERROR).
 */
export const PAYMENT_ERROR_CODES = ['INVALID_AMOUNT', 'IDEMPOTENCY_KEY_REUSED', 'ORDER_HAS_PAYMENT', 'PAYMENT_PROVIDER_UNAVAILABLE'] as const;
export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number];

/** Messages are written here for the caller to read; nothing internal goes into them. */
export function paymentError(code: PaymentErrorCode, message: string, field?: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(field ? { field } : {}) } });
}

export const providerUnavailable = () =>
  paymentError('PAYMENT_PROVIDER_UNAVAILABLE', 'The payment provider did not answer in time; the outcome is unknown: ask paymentForOrder later or retry with the same key');
