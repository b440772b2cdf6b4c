import { createKeyedLock, createLogger, createSubgraphServer, openSubgraphStores, readSchema, type Logger, type Runnable, startBackgroundTask, type BackgroundTask } from '@shopcart/kit';
import type { Connection } from 'mongoose';
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

export interface OrdersService extends Runnable {
  models: OrdersModels;
  connection: Connection;
  logger: Logger;
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
  const stores = await openSubgraphStores({
    name: SUBGRAPH_NAME,
    logger,
    mongoUrl: env.mongoUrl,
    dbName: env.ORDERS_DB_NAME,
    monitorCommands: env.MONGO_MONITOR_COMMANDS,
    redisUrl: env.redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    routerPublicKey: env.ROUTER_PUBLIC_KEY,
    trustedServiceKeys: env.TRUSTED_SERVICE_KEYS,
    createModels,
  });
  const { metrics, connection, models, redis, verifier } = stores;

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
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    verifier,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, orders),
    readiness: async () => {
      const { mongodb, redis: redisOk } = await stores.ping();
      return { ready: mongodb && redisOk, checks: { mongodb, redis: redisOk } };
    },
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
