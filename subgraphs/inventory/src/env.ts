import { baseEnvSchema, loadEnv, pemString, serviceEnvFields } from '@shopcart/kit';
import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const inventoryEnvSchema = baseEnvSchema.extend({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(4003),
  INVENTORY_MONGODB_URL: z.string().optional(),
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017'),
  INVENTORY_DB_NAME: z.string().default('shopcart_inventory'),
  INVENTORY_REDIS_URL: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  /** Verifies identity forwarded by the router (SPKI PEM). */
  ROUTER_PUBLIC_KEY: pemString,
  /** How often expired and abandoned reservations give their stock back. */
  RESERVATION_SWEEP_MS: z.coerce.number().int().min(50).max(3_600_000).default(5_000),
  /**
   * How often stock changes not yet on the stream are (re)published. A stock
   * write wakes the publisher at once; this poll only catches what a failed
   * publish or a crash left behind, so it can be slow and cost nothing at rest.
   */
  STOCK_PUBLISH_MS: z.coerce.number().int().min(50).max(3_600_000).default(5_000),
  /** For tests and benchmarks that count database round trips. */
  MONGO_MONITOR_COMMANDS: booleanFlag.default(false),
});

export type InventoryEnv = z.infer<typeof inventoryEnvSchema> & { mongoUrl: string; redisUrl: string };

export function loadInventoryEnv(source: Record<string, string | undefined> = process.env): InventoryEnv {
  const env = loadEnv(inventoryEnvSchema, source);
  return {
    ...env,
    mongoUrl: env.INVENTORY_MONGODB_URL ?? env.MONGODB_URL,
    redisUrl: env.INVENTORY_REDIS_URL ?? env.REDIS_URL,
  };
}
