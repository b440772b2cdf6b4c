import { createKeyedLock, createLogger, createSubgraphServer, openSubgraphStores, readSchema, type Logger, type Metrics, type MongoSubgraphService } from '@shopcart/kit';
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

export interface PaymentsService extends MongoSubgraphService<PaymentModels> {
  /** The service's registry (kit metrics and the payment counters). */
  metrics: Metrics;
  /** What the domain functions run with (tests call them and the provider directly). */
  payments: PaymentsDeps;
}

/** Connects stores, picks the provider and builds the payments subgraph; the caller decides where to listen. */
export async function createPaymentsService(env: PaymentsEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<PaymentsService> {
  // The kit opens Redis for every subgraph; payments keeps nothing there but needs it for /ready.
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, createModels });
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
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    publicErrorCodes: PAYMENT_ERROR_CODES,
    createContext: (base) => createContext(base, payments),
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
