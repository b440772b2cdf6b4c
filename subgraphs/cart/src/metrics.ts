import { Counter, type Registry } from 'prom-client';

export interface CartMetrics {
  /** Cart changes (add, update, remove, merge) by outcome: ok or the userError code. */
  changes: Counter<'operation' | 'outcome'>;
  /** Variant and stock lookups answered from the stream-fed cache (hit) or by products/inventory (miss). */
  catalogLookups: Counter<'kind' | 'outcome'>;
}

/** Registered on the service's own registry, so /metrics serves them beside the kit's. */
export function createCartMetrics(registry: Registry): CartMetrics {
  return {
    changes: new Counter({
      name: 'cart_changes_total',
      help: 'Cart changes (add, update, remove, merge) by outcome: ok or the userError code',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    catalogLookups: new Counter({
      name: 'cart_catalog_cache_lookups_total',
      help: 'Variant and stock lookups by the cart, answered from its stream-fed cache (hit) or by products/inventory (miss)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  };
}
