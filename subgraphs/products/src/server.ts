import { createLogger, createSubgraphServer, openSubgraphStores, readSchema, type Logger, type MongoSubgraphService } from '@shopcart/kit';
import { startAvailabilityConsumer } from './availability.js';
import { createChangeAnnouncer } from './catalogChanges.js';
import { startCatalogSync, type CatalogSync } from './catalogSync.js';
import { createInventoryClient } from './clients.js';
import { createContext, type ProductsContext } from './context.js';
import type { CatalogDeps } from './deps.js';
import type { ProductsEnv } from './env.js';
import { createInitialStock, type InitialStock } from './initialStock.js';
import { createModels, type ProductsModels } from './model.js';
import { resolvers } from './resolvers.js';
import { SearchIndex } from './searchIndex.js';

export const SUBGRAPH_NAME = 'products';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface ProductsService extends MongoSubgraphService<ProductsModels> {
  /** This replica's in-memory catalog (search, facets, slug and variant lookups). */
  index: SearchIndex;
  sync: CatalogSync;
  catalog: CatalogDeps;
  initialStock: InitialStock;
}

/** Connects stores, loads the catalog index and builds the products subgraph; the caller decides where to listen. */
export async function createProductsService(env: ProductsEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<ProductsService> {
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, createModels });
  const { connection, models, redis } = stores;

  const inventory = await createInventoryClient(env, logger);
  const initialStock = createInitialStock({ models, inventory, logger, retryMs: env.PENDING_STOCK_RETRY_MS });
  const index = new SearchIndex();
  const catalog: CatalogDeps = { models, index, currency: env.CATALOG_CURRENCY, initialStock, announce: createChangeAnnouncer(redis, logger), logger };
  // The index loads in the background: the server answers /health at once and /ready once it is loaded.
  const sync = startCatalogSync({ models, index, intervalMs: env.CATALOG_SYNC_MS, settleMs: env.CATALOG_SYNC_SETTLE_MS, logger });
  const availability = startAvailabilityConsumer({ redis, deps: catalog, logger });
  initialStock.start();

  const { http } = await createSubgraphServer<ProductsContext>({
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, catalog, sync.loaded),
    readiness: () => stores.readiness({ index: sync.isLoaded() }),
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
