import { createLogger, createSubgraphServer, openSubgraphStores, readSchema, type Logger, type Redis, type SubgraphService } from '@shopcart/kit';
import { createCatalog } from './catalog.js';
import { CatalogCache } from './catalogCache.js';
import { createCatalogClients } from './clients.js';
import { createContext, type CartContext } from './context.js';
import type { CartDeps } from './deps.js';
import type { CartEnv } from './env.js';
import { createCartMetrics } from './metrics.js';
import { resolvers } from './resolvers.js';
import { createCartStore } from './store.js';

export const SUBGRAPH_NAME = 'cart';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface CartService extends SubgraphService {
  redis: Redis;
  /** What the domain functions run with (tests call them directly). */
  carts: CartDeps;
  /** null when CART_CATALOG_CACHE_TTL_MS is 0. */
  catalogCache: CatalogCache | null;
}

/** Connects Redis and builds the cart subgraph; the caller decides where to listen. */
export async function createCartService(env: CartEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<CartService> {
  // Pipelined: cart changes arriving together leave for Redis in one write (a write was 8% of the cart's CPU per add).
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, autoPipelining: true });
  const { redis } = stores;

  const cartMetrics = createCartMetrics(stores.metrics.registry);
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
    catalog: createCatalog({ clients: await createCatalogClients(env, logger), cache }),
    currency: env.CATALOG_CURRENCY,
    guestCartTtlDays: env.GUEST_CART_TTL_DAYS,
    changes: cartMetrics.changes,
  };

  const { http } = await createSubgraphServer<CartContext>({
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, carts),
  });

  return {
    http,
    redis,
    logger,
    carts,
    catalogCache: cache,
    async close() {
      await cache?.stop();
      await stores.close();
    },
  };
}
