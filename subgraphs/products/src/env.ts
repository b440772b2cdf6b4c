import { baseEnvSchema, loadSubgraphEnv, refuseDevelopmentDefaults, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';

export const productsEnvSchema = baseEnvSchema.extend({
  ...subgraphEnvFields('products', { port: 4002, database: 'shopcart_products' }),
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
});

export type ProductsEnv = SubgraphEnv<typeof productsEnvSchema>;

export function loadProductsEnv(source: Record<string, string | undefined> = process.env): ProductsEnv {
  const env = loadSubgraphEnv('products', productsEnvSchema, source);
  // Without its own key products cannot hand initial stock to inventory.
  refuseDevelopmentDefaults(env, [['SERVICE_PRIVATE_KEY', env.SERVICE_PRIVATE_KEY, undefined]]);
  return env;
}
