import type { BaseSubgraphContext } from '@shopcart/kit';
import type { PaymentsDeps } from './deps.js';
import { createLoaders, type PaymentLoaders } from './loaders.js';

export interface PaymentsContext extends BaseSubgraphContext {
  payments: PaymentsDeps;
  loaders: PaymentLoaders;
}

export function createContext(base: BaseSubgraphContext, payments: PaymentsDeps): PaymentsContext {
  // The request's logger, so provider failures carry the request id.
  return { ...base, payments: { ...payments, logger: base.logger }, loaders: createLoaders(payments.models) };
}
