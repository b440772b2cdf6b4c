import {
  createKeyedLock,
  createLogger,
  createSubgraphServer,
  openSubgraphStores,
  readSchema,
  type Logger,
  type Metrics,
  type Runnable,
} from '@shopcart/kit';
import type { Connection } from 'mongoose';
import { createContext, type PaymentsContext } from './context.js';
import type { PaymentsDeps } from './deps.js';
import type { PaymentsEnv } from './env.js';
import { PAYMENT_ERROR_CODES } from './errors.js';
import { createPaymentMetrics } from './metrics.js';
import { createModels, type PaymentModels } from './model.js';
import { createProvider } from './providers/registry.js';
import { resolvers } from './resolvers.js';

export const SUBGRAPH_NAME = 'payments';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export interface PaymentsService extends Runnable {
  models: PaymentModels;
  /** The mongoose connection, so tests and benchmarks can watch its commands. */
  connection: Connection;
  logger: Logger;
  /** The service's registry (kit metrics and the payment counters). */
  metrics: Metrics;
  /** What the domain functions run with (tests call them and the provider directly). */
  payments: PaymentsDeps;
}

/** Connects stores, picks the provider and builds the payments subgraph; the caller decides where to listen. */
export async function createPaymentsService(env: PaymentsEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<PaymentsService> {
  // The kit opens Redis for every subgraph; payments keeps nothing there but needs it for /ready.
  const stores = await openSubgraphStores({
    name: SUBGRAPH_NAME,
    logger,
    mongoUrl: env.mongoUrl,
    dbName: env.PAYMENTS_DB_NAME,
    monitorCommands: env.MONGO_MONITOR_COMMANDS,
    redisUrl: env.redisUrl,
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    routerPublicKey: env.ROUTER_PUBLIC_KEY,
    trustedServiceKeys: env.TRUSTED_SERVICE_KEYS,
    createModels,
  });
  const { metrics, connection, models } = stores;

  const provider = await createProvider(env.paymentProvider, { env, connection });
  logger.info({ provider: provider.name }, 'payment provider ready');
  const payments: PaymentsDeps = {
    models,
    provider,
    locks: createKeyedLock(),
    metrics: createPaymentMetrics(metrics.registry),
    logger,
    providerTimeoutMs: env.PAYMENT_PROVIDER_TIMEOUT_MS,
  };

  const { http } = await createSubgraphServer<PaymentsContext>({
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers,
    verifier: stores.verifier,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    publicErrorCodes: PAYMENT_ERROR_CODES,
    createContext: (base) => createContext(base, payments),
    readiness: async () => {
      const { mongodb, redis } = await stores.ping();
      return { ready: mongodb && redis, checks: { mongodb, redis } };
    },
  });

  return {
    http,
    models,
    connection,
    logger,
    metrics,
    payments,
    close: () => stores.close(),
  };
}
