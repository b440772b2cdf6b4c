import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * The GraphQL error codes of payments' internal API. Orders acts on them
 * (retry, ask paymentForOrder later, fix its own bug), so they must reach the
 * caller as they are, where the kit's error mask would turn any code it does
 * not know into INTERNAL_SERVER_ERROR.
 */
export const PAYMENT_ERROR_CODES = ['INVALID_AMOUNT', 'IDEMPOTENCY_KEY_REUSED', 'ORDER_HAS_PAYMENT', 'PAYMENT_PROVIDER_UNAVAILABLE'] as const;
export type PaymentErrorCode = (typeof PAYMENT_ERROR_CODES)[number];

const paymentCodes = new Set<unknown>(PAYMENT_ERROR_CODES);

/** Messages are written here for the caller to read; nothing internal goes into them. */
export function paymentError(code: PaymentErrorCode, message: string, field?: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...(field ? { field } : {}) } });
}

export const providerUnavailable = () =>
  paymentError('PAYMENT_PROVIDER_UNAVAILABLE', 'The payment provider did not answer in time; the outcome is unknown: ask paymentForOrder later or retry with the same key');

/**
 * Runs after the kit has masked errors: an error payments raised itself with
 * one of its own codes gets its code and message back, with the public
 * extensions only. Anything else stays masked.
 */
export function paymentErrorsPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ errors, response }) {
          if (!errors?.length || response.body.kind !== 'single') return;
          const formatted = response.body.singleResult.errors;
          // The pipeline formats errors one to one, in order.
          if (!formatted || formatted.length !== errors.length) return;
          response.body.singleResult.errors = formatted.map((masked, index) => {
            const original = errors[index]!;
            if (!paymentCodes.has(original.extensions?.code)) return masked;
            const field = original.extensions?.field;
            return { ...masked, message: original.message, extensions: { code: original.extensions.code, ...(field ? { field } : {}) } };
          });
        },
      };
    },
  };
}
