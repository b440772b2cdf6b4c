import { Counter, Histogram, type Registry } from 'prom-client';

export interface PaymentMetrics {
  /** Charge attempts that reached the provider, by how they ended; replays of a settled charge are not counted. */
  charges: Counter<'outcome'>;
  /** Refund attempts that reached the provider, by how they ended. */
  refunds: Counter<'outcome'>;
  /** Provider latency: what checkout waits for. */
  providerDuration: Histogram<'provider' | 'operation' | 'outcome'>;
}

/** Registered on the service's own registry, so /metrics serves them beside the kit's. */
export function createPaymentMetrics(registry: Registry): PaymentMetrics {
  return {
    charges: new Counter({
      name: 'payments_charges_total',
      help: 'Charge attempts sent to the provider by outcome (succeeded, declined, invalid_token, provider_unavailable)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    refunds: new Counter({
      name: 'payments_refunds_total',
      help: 'Refund attempts sent to the provider by outcome (refunded, provider_unavailable)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    providerDuration: new Histogram({
      name: 'payments_provider_call_duration_seconds',
      help: 'Payment provider call latency by operation and outcome (ok, error, timeout)',
      labelNames: ['provider', 'operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
