import { baseEnvSchema, EnvError, loadSubgraphEnv, parseMinorUnits, refuseDevelopmentDefaults, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';
import { CRASH_POINTS } from './faults.js';

const amount = (name: string) =>
  z.string().transform((text, ctx) => {
    const minor = parseMinorUnits(text);
    if (minor === null) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a decimal amount such as 4.99` });
      return z.NEVER;
    }
    return minor;
  });

export const ordersEnvSchema = baseEnvSchema.extend({
  ...subgraphEnvFields('orders', { port: 4005, database: 'shopcart_orders' }),
  /** The services checkout calls, each with this service's own identity. */
  CART_URL: z.url().default('http://127.0.0.1:4004/graphql'),
  INVENTORY_URL: z.url().default('http://127.0.0.1:4003/graphql'),
  PAYMENTS_URL: z.url().default('http://127.0.0.1:4006/graphql'),
  USERS_URL: z.url().default('http://127.0.0.1:4001/graphql'),
  /** Per call to cart, inventory and users. */
  SERVICE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Per call to payments, which waits for the payment provider. */
  PAYMENTS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Shipping for a subtotal below FREE_SHIPPING_FROM, in the catalog currency. */
  SHIPPING_FLAT_RATE: amount('SHIPPING_FLAT_RATE').default(499),
  /** From this subtotal up, shipping is free. */
  FREE_SHIPPING_FROM: amount('FREE_SHIPPING_FROM').default(5_000),
  /** How long inventory holds a checkout's stock; far longer than a checkout takes, so only a crash lets it lapse. */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(10).max(3_600).default(900),
  /**
   * A checkout attempt (or its order in PENDING_PAYMENT) this old is treated as
   * abandoned: recovery asks payments what happened and completes or
   * compensates. Must exceed the longest checkout (its calls' timeouts).
   */
  CHECKOUT_RECOVERY_AFTER_MS: z.coerce.number().int().min(100).max(86_400_000).default(120_000),
  /** How often the recovery pass runs (also once at start). */
  RECOVERY_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(30_000),
  /** How long idempotency keys answer retries; never less than a day. */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).max(24 * 365).default(48),
  /**
   * How often order events not yet on the stream are (re)published. A status
   * change wakes the publisher at once; this poll only catches what a failed
   * publish or a crash left behind, so it can be slow and cost nothing at rest.
   */
  EVENTS_PUBLISH_MS: z.coerce.number().int().min(50).max(3_600_000).default(5_000),
  /** Development and test only: the process dies abruptly at this checkout step. */
  ORDERS_CRASH_AT: z.enum(CRASH_POINTS).optional(),
});

export type OrdersEnv = SubgraphEnv<typeof ordersEnvSchema>;

export function loadOrdersEnv(source: Record<string, string | undefined> = process.env): OrdersEnv {
  const env = loadSubgraphEnv('orders', ordersEnvSchema, source);
  // Without its own key orders cannot call cart, inventory, payments or users.
  refuseDevelopmentDefaults(env, [['SERVICE_PRIVATE_KEY', env.SERVICE_PRIVATE_KEY, undefined]]);
  if (env.NODE_ENV === 'production' && env.ORDERS_CRASH_AT) {
    throw new EnvError('Invalid configuration:\n  ORDERS_CRASH_AT: fault injection is refused in production');
  }
  return env;
}
