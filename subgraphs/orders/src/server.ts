import { createKeyedLock, createLogger, createSubgraphServer, openSubgraphStores, readSchema, startBackgroundTask, type BackgroundTask, type Logger, type MongoSubgraphService } from '@shopcart/kit';
import { createServices, type Services } from './clients.js';
import { createContext, type OrdersContext } from './context.js';
import type { OrdersDeps } from './deps.js';
import type { OrdersEnv } from './env.js';
import { startEventPublisher, type EventPublisher } from './events.js';
import { crashAt } from './faults.js';
import { createOrderMetrics } from './metrics.js';
import { createModels, type OrdersModels } from './model.js';
import { startNotificationConsumer } from './notifications.js';
import { recover } from './recovery.js';
import { resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'orders';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface OrdersService extends MongoSubgraphService<OrdersModels> {
  /** What the domain functions run with (tests call them directly). */
  orders: OrdersDeps;
  /** The order-events publisher; trigger() publishes the outbox backlog now. */
  publisher: EventPublisher;
  /** The recovery pass; trigger() runs it now. */
  recovery: BackgroundTask;
}

/** Connects stores and builds the orders subgraph; the caller decides where to listen. */
export async function createOrdersService(
  env: OrdersEnv,
  logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL),
  options: { services?: Services } = {},
): Promise<OrdersService> {
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, createModels });
  const { metrics, connection, models, redis } = stores;

  const locks = createKeyedLock();
  // Both start with a run: events and checkouts a crash left behind are handled at once.
  const publisher = startEventPublisher({ models, locks, redis, logger, intervalMs: env.EVENTS_PUBLISH_MS });
  const orders: OrdersDeps = {
    models,
    locks,
    eventsChanged: publisher.notify,
    recoverAfterMs: env.CHECKOUT_RECOVERY_AFTER_MS,
    services: options.services ?? (await createServices(env, logger)),
    shipping: { flatRate: env.SHIPPING_FLAT_RATE, freeFrom: env.FREE_SHIPPING_FROM },
    reservationTtlSeconds: env.RESERVATION_TTL_SECONDS,
    metrics: createOrderMetrics(metrics.registry),
    logger,
    crash: crashAt(env.ORDERS_CRASH_AT),
    active: new Set(),
  };
  const retentionMs = env.IDEMPOTENCY_RETENTION_HOURS * 3_600_000;
  const recovery = startBackgroundTask({
    name: 'order recovery',
    intervalMs: env.RECOVERY_INTERVAL_MS,
    logger,
    run: async () => {
      const result = await recover(orders, retentionMs);
      if (result.abandoned + result.orders + result.swept > 0) logger.info(result, 'recovery pass');
    },
  });
  const notifications = startNotificationConsumer({ models, redis, logger });

  const { http } = await createSubgraphServer<OrdersContext>({
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, orders),
  });

  return {
    http,
    models,
    connection,
    logger,
    orders,
    publisher,
    recovery,
    async close() {
      await Promise.all([recovery.stop(), publisher.stop(), notifications.stop()]);
      await stores.close();
    },
  };
}
