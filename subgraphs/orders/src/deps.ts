import type { KeyedLock, Logger } from '@shopcart/kit';
import type { Services } from './clients.js';
import type { CrashHook } from './faults.js';
import type { OrderMetrics } from './metrics.js';
import type { OrdersModels } from './model.js';
import type { ShippingPolicy } from './pricing.js';

/** What every write to an order needs: the models, the per-document queue, and a way to wake the event publisher. */
export interface OrderStore {
  models: OrdersModels;
  locks: KeyedLock;
  /** Wakes the outbox publisher; never waits and never throws. */
  eventsChanged: () => void;
  /** How long recovery leaves a fresh change to the request that made it. */
  recoverAfterMs: number;
}

/** Everything the domain functions run with; tests build it from a started service. */
export interface OrdersDeps extends OrderStore {
  services: Services;
  shipping: ShippingPolicy;
  reservationTtlSeconds: number;
  metrics: OrderMetrics;
  logger: Logger;
  crash: CrashHook;
  /**
   * Orders whose checkout is running in this process: recovery leaves them
   * alone whatever their deadline says.
   */
  active: Set<string>;
}
