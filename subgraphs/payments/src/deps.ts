import type { KeyedLock, Logger } from '@shopcart/kit';
import type { PaymentMetrics } from './metrics.js';
import type { PaymentModels } from './model.js';
import type { PaymentProvider } from './providers/provider.js';

/** What the domain functions run with. */
export interface PaymentsDeps {
  models: PaymentModels;
  provider: PaymentProvider;
  locks: KeyedLock;
  metrics: PaymentMetrics;
  logger: Logger;
  /** How long one provider call may take before its outcome counts as unknown. */
  providerTimeoutMs: number;
}
