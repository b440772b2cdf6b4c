import { baseEnvSchema, loadSubgraphEnv, refuseDevelopmentDefaults, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';

export const cartEnvSchema = baseEnvSchema.extend({
  ...subgraphEnvFields('cart', { port: 4004 }),
  /** Variant prices and status come from products' entities. */
  PRODUCTS_URL: z.url().default('http://127.0.0.1:4002/graphql'),
  /** Stock levels come from inventory's internal stockLevels. */
  INVENTORY_URL: z.url().default('http://127.0.0.1:4003/graphql'),
  /** How long a price or stock lookup may take before the change answers SERVICE_UNAVAILABLE. */
  CATALOG_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2_000),
  /**
   * The longest the cart keeps a variant's price or a SKU's level it was
   * told (catalogCache.ts); changes announced on products' and inventory's
   * streams apply at once. 0 turns the cache off: every lookup asks them.
   */
  CART_CATALOG_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** How many products (with the facts of their variants the cart asked for), and how many SKU levels, the cache holds at most. */
  CART_CATALOG_CACHE_ENTRIES: z.coerce.number().int().positive().default(100_000),
  /** A guest cart expires this long after its last change. */
  GUEST_CART_TTL_DAYS: z.coerce.number().positive().max(365).default(30),
  /** The currency an empty cart's subtotal is shown in (the catalog's). */
  CATALOG_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD').default('USD'),
});

export type CartEnv = SubgraphEnv<typeof cartEnvSchema>;

export function loadCartEnv(source: Record<string, string | undefined> = process.env): CartEnv {
  const env = loadSubgraphEnv('cart', cartEnvSchema, source);
  // Without its own key the cart cannot ask products for prices or inventory for stock.
  refuseDevelopmentDefaults(env, [['SERVICE_PRIVATE_KEY', env.SERVICE_PRIVATE_KEY, undefined]]);
  return env;
}
