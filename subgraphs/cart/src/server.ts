import {
  connectRedis,
  createIdentityVerifier,
  createLogger,
  createMetrics,
  createServiceClient,
  createServiceSigner,
  createSubgraphServer,
  loadTrustedKeys,
  observeRedis,
  pingRedis,
  readSchema,
  waitForRedis,
  type Logger,
  type Redis,
  type Runnable,
} from '@shopcart/kit';
import type { CartDeps } from './cart.js';
import { createCatalog } from './catalog.js';
import { createCartMetrics } from './metrics.js';
import { CatalogCache } from './catalogCache.js';
import { createContext, type CartContext } from './context.js';
import type { CartEnv } from './env.js';
import { resolvers } from './resolvers.js';
import { createCartStore } from './store.js';

export const SUBGRAPH_NAME = 'cart';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface CartService extends Runnable {
  redis: Redis;
  logger: Logger;
  /** What the domain functions run with (tests call them directly). */
  carts: CartDeps;
  /** null when CART_CATALOG_CACHE_TTL_MS is 0. */
  catalogCache: CatalogCache | null;
}

/** Connects Redis and builds the cart subgraph; the caller decides where to listen. */
export async function createCartService(env: CartEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<CartService> {
  const metrics = createMetrics(SUBGRAPH_NAME);
  // Pipelined: cart changes arriving together leave for Redis in one write (a write was 8% of the cart's CPU per add).
  const redis = connectRedis(env.redisUrl, logger, SUBGRAPH_NAME, env.REDIS_KEY_PREFIX, { autoPipelining: true });
  observeRedis(redis, metrics.storeDuration);
  await waitForRedis(redis);
  const verifier = createIdentityVerifier(SUBGRAPH_NAME, await loadTrustedKeys(env.ROUTER_PUBLIC_KEY, env.TRUSTED_SERVICE_KEYS));
  const signer = await createServiceSigner(SUBGRAPH_NAME, env.SERVICE_PRIVATE_KEY);
  const client = (callee: string, url: string) => (signer ? createServiceClient({ callee, url, signer, logger, timeoutMs: env.CATALOG_TIMEOUT_MS }) : null);

  const cartMetrics = createCartMetrics(metrics.registry);
  // Follows the streams on the cart's Redis: products and inventory must publish there (same REDIS_URL and REDIS_KEY_PREFIX).
  const cache =
    env.CART_CATALOG_CACHE_TTL_MS > 0
      ? new CatalogCache({
          redis,
          logger,
          maxEntries: env.CART_CATALOG_CACHE_ENTRIES,
          ttlMs: env.CART_CATALOG_CACHE_TTL_MS,
          lookups: cartMetrics.catalogLookups,
        })
      : null;
  const carts: CartDeps = {
    store: createCartStore(redis, { guestTtlMs: env.GUEST_CART_TTL_DAYS * 86_400_000, logger }),
    catalog: createCatalog({ products: client('products', env.PRODUCTS_URL), inventory: client('inventory', env.INVENTORY_URL), logger, cache }),
    currency: env.CATALOG_CURRENCY,
    changes: cartMetrics.changes,
  };

  const { http } = await createSubgraphServer<CartContext>({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    verifier,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, carts),
    readiness: async () => {
      const redisOk = await pingRedis(redis);
      return { ready: redisOk, checks: { redis: redisOk } };
    },
  });

  return {
    http,
    redis,
    logger,
    carts,
    catalogCache: cache,
    async close() {
      await cache?.stop();
      redis.disconnect();
    },
  };
}
