import { createKeyedLock, createLogger, createSubgraphServer, openSubgraphStores, readSchema, startBackgroundTask, type Logger, type MongoSubgraphService } from '@shopcart/kit';
import { createContext, type InventoryContext } from './context.js';
import type { StockDeps } from './deps.js';
import type { InventoryEnv } from './env.js';
import { startStockPublisher, type StockPublisher } from './events.js';
import { StockLevelCache } from './levelCache.js';
import { startLevelFeed, type LevelFeed } from './levelFeed.js';
import { createModels, type InventoryModels } from './model.js';
import { sweepReservations } from './reservations.js';
import { resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'inventory';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface InventoryService extends MongoSubgraphService<InventoryModels> {
  /** What the domain functions run with (tests call them directly). */
  inventory: StockDeps;
  /** The stock-levels stream publisher; trigger() publishes the backlog now. */
  publisher: StockPublisher;
  /** Follows the stock-levels stream into this replica's level cache; `loaded` once every level is in. */
  levelFeed: LevelFeed;
}

/** Connects stores and builds the inventory subgraph; the caller decides where to listen. */
export async function createInventoryService(env: InventoryEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<InventoryService> {
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, createModels });
  const { connection, models, redis } = stores;

  // Both start with a run: a backlog or expired holds from before a restart are handled at once.
  const locks = createKeyedLock();
  const publisher = startStockPublisher({ models, locks, redis, logger, intervalMs: env.STOCK_PUBLISH_MS });
  const levels = new StockLevelCache();
  const feed = startLevelFeed({ models, redis, cache: levels, logger });
  const inventory: StockDeps = { models, locks, stockChanged: publisher.notify, levels };
  const sweeper = startBackgroundTask({
    name: 'reservation sweep',
    intervalMs: env.RESERVATION_SWEEP_MS,
    logger,
    run: async () => {
      const swept = await sweepReservations(inventory);
      if (swept.expired + swept.abandoned + swept.settled + swept.purged > 0) logger.info(swept, 'reservations swept');
    },
  });

  const { http } = await createSubgraphServer<InventoryContext>({
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, inventory),
  });

  return {
    http,
    models,
    connection,
    logger,
    inventory,
    publisher,
    levelFeed: feed,
    async close() {
      await Promise.all([sweeper.stop(), publisher.stop(), feed.stop()]);
      await stores.close();
    },
  };
}
