import type { Logger } from '@shopcart/kit';
import type { Services } from './clients.js';
import type { CrashHook } from './faults.js';
import type { OrderMetrics } from './metrics.js';
import type { OrderStore } from './orders.js';
import type { ShippingPolicy } from './pricing.js';

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
