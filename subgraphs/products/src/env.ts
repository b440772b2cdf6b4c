import { baseEnvSchema, loadEnv, pemString, refuseDevelopmentDefaults, serviceEnvFields } from '@shopcart/kit';
import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const productsEnvSchema = baseEnvSchema.extend({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  PRODUCTS_MONGODB_URL: z.string().optional(),
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017'),
  PRODUCTS_DB_NAME: z.string().default('shopcart_products'),
  PRODUCTS_REDIS_URL: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Must match inventory's: the stock-level stream is read under this prefix. */
  REDIS_KEY_PREFIX: z.string().default(''),
  /** Verifies identity forwarded by the router (SPKI PEM). */
  ROUTER_PUBLIC_KEY: pemString,
  /** Where initial stock of new SKUs is sent (inventory's internal initializeStock). */
  INVENTORY_URL: z.url().default('http://127.0.0.1:4003/graphql'),
  /** ISO 4217 code of every catalog price. */
  CATALOG_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
  /** How often each replica polls MongoDB for catalog changes made by other replicas. */
  CATALOG_SYNC_MS: z.coerce.number().int().positive().default(1_000),
  /** How long a write may take between taking its revision and landing; polls re-check that window. */
  CATALOG_SYNC_SETTLE_MS: z.coerce.number().int().positive().default(10_000),
  /** How often initial stock that inventory did not confirm is sent again. */
  PENDING_STOCK_RETRY_MS: z.coerce.number().int().positive().default(5_000),
  /** For tests and benchmarks that count database round trips. */
  MONGO_MONITOR_COMMANDS: booleanFlag.default(false),
});

export type ProductsEnv = z.infer<typeof productsEnvSchema> & { mongoUrl: string; redisUrl: string };

export function loadProductsEnv(source: Record<string, string | undefined> = process.env): ProductsEnv {
  const env = loadEnv(productsEnvSchema, source);
  // Without its own key products cannot hand initial stock to inventory.
  refuseDevelopmentDefaults(env, [['SERVICE_PRIVATE_KEY', env.SERVICE_PRIVATE_KEY, undefined]]);
  return {
    ...env,
    mongoUrl: env.PRODUCTS_MONGODB_URL ?? env.MONGODB_URL,
    redisUrl: env.PRODUCTS_REDIS_URL ?? env.REDIS_URL,
  };
}
