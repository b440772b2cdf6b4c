import { Counter, type Registry } from 'prom-client';

export type CheckoutOutcome =
  | 'confirmed'
  | 'payment_failed'
  | 'pending'
  | 'out_of_stock'
  | 'cart_empty'
  | 'rejected'
  | 'replayed'
  | 'key_reused'
  | 'error';

export interface OrderMetrics {
  /** Every checkout call by how it ended; `rejected` covers the other userErrors (address, cart, variants). */
  checkouts: Counter<'outcome'>;
  /** What the recovery pass did: confirmed, failed, cancelled, tasks, abandoned attempts. */
  recoveries: Counter<'action'>;
}

export function createOrderMetrics(registry: Registry): OrderMetrics {
  return {
    checkouts: new Counter({ name: 'checkouts_total', help: 'Checkout calls by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    recoveries: new Counter({ name: 'order_recoveries_total', help: 'Recovery actions on stuck checkouts and orders', labelNames: ['action'] as const, registers: [registry] }),
  };
}
