import {
  createLogger,
  createServiceClient,
  createServiceSigner,
  createSubgraphServer,
  openSubgraphStores,
  readSchema,
  type Logger,
  type Runnable,
} from '@shopcart/kit';
import type { Connection } from 'mongoose';
import { startAvailabilityConsumer } from './availability.js';
import type { CatalogDeps } from './catalog.js';
import { createChangeAnnouncer } from './catalogChanges.js';
import { startCatalogSync, type CatalogSync } from './catalogSync.js';
import { createContext, type ProductsContext } from './context.js';
import type { ProductsEnv } from './env.js';
import { createInitialStock, type InitialStock } from './initialStock.js';
import { createModels, type ProductsModels } from './model.js';
import { resolvers } from './resolvers.js';
import { SearchIndex } from './searchIndex.js';

export const SUBGRAPH_NAME = 'products';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface ProductsService extends Runnable {
  models: ProductsModels;
  connection: Connection;
  /** This replica's in-memory catalog (search, facets, slug and variant lookups). */
  index: SearchIndex;
  sync: CatalogSync;
  catalog: CatalogDeps;
  initialStock: InitialStock;
  logger: Logger;
}

/** Connects stores, loads the catalog index and builds the products subgraph; the caller decides where to listen. */
export async function createProductsService(env: ProductsEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<ProductsService> {
  const stores = await openSubgraphStores({
    name: SUBGRAPH_NAME,
    logger,
    mongoUrl: env.mongoUrl,
    dbName: env.PRODUCTS_DB_NAME,
    monitorCommands: env.MONGO_MONITOR_COMMANDS,
    redisUrl: env.redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    routerPublicKey: env.ROUTER_PUBLIC_KEY,
    trustedServiceKeys: env.TRUSTED_SERVICE_KEYS,
    createModels,
  });
  const { metrics, connection, models, redis, verifier } = stores;

  const signer = await createServiceSigner(SUBGRAPH_NAME, env.SERVICE_PRIVATE_KEY);
  const inventory = signer ? createServiceClient({ callee: 'inventory', url: env.INVENTORY_URL, signer, logger }) : null;
  const initialStock = createInitialStock({ models, client: inventory, logger, retryMs: env.PENDING_STOCK_RETRY_MS });
  const index = new SearchIndex();
  const catalog: CatalogDeps = { models, index, currency: env.CATALOG_CURRENCY, initialStock, announce: createChangeAnnouncer(redis, logger), logger };
  // The index loads in the background: the server answers /health at once and /ready once it is loaded.
  const sync = startCatalogSync({ models, index, intervalMs: env.CATALOG_SYNC_MS, settleMs: env.CATALOG_SYNC_SETTLE_MS, logger });
  const availability = startAvailabilityConsumer({ redis, deps: catalog, logger });
  initialStock.start();

  const { http } = await createSubgraphServer<ProductsContext>({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    verifier,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, catalog, sync.loaded),
    readiness: async () => {
      const { mongodb: mongo, redis: redisOk } = await stores.ping();
      const indexLoaded = sync.isLoaded();
      return { ready: mongo && redisOk && indexLoaded, checks: { mongodb: mongo, redis: redisOk, index: indexLoaded } };
    },
  });

  return {
    http,
    models,
    connection,
    index,
    sync,
    catalog,
    initialStock,
    logger,
    async close() {
      initialStock.stop();
      await availability.stop();
      await sync.stop();
      await stores.close();
    },
  };
}
