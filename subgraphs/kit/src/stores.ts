import type { Connection, Model } from 'mongoose';
import { createIdentityVerifier, type IdentityVerifier } from './identity.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { connectMongo, pingMongo } from './mongo.js';
import { connectRedis, pingRedis, waitForRedis, type Redis } from './redis.js';
import { loadTrustedKeys } from './services.js';
import { observeMongo, observeRedis } from './storeMetrics.js';

export interface SubgraphStores<TModels> {
  metrics: Metrics;
  connection: Connection;
  models: TModels;
  redis: Redis;
  verifier: IdentityVerifier;
  /** Each store's reachability, for /ready. */
  ping(): Promise<{ mongodb: boolean; redis: boolean }>;
  close(): Promise<void>;
}

/**
 * What every MongoDB-backed subgraph opens at start: its database (indexes
 * built), its Redis connection, its metrics registry, and the verifier for
 * identity from the router and the services it trusts.
 */
export async function openSubgraphStores<TModels extends object>(options: {
  name: string;
  logger: Logger;
  mongoUrl: string;
  dbName: string;
  monitorCommands?: boolean;
  redisUrl: string;
  redisKeyPrefix: string;
  routerPublicKey: string;
  trustedServiceKeys: string;
  createModels: (connection: Connection) => TModels;
}): Promise<SubgraphStores<TModels>> {
  const { logger, name } = options;
  const metrics = createMetrics(name);
  const connection = await connectMongo({ url: options.mongoUrl, dbName: options.dbName, logger, monitorCommands: options.monitorCommands ?? false });
  observeMongo(connection, metrics.storeDuration);
  const models = options.createModels(connection);
  await Promise.all((Object.values(models) as Array<Model<unknown>>).map((model) => model.init()));
  const redis = connectRedis(options.redisUrl, logger, name, options.redisKeyPrefix);
  observeRedis(redis, metrics.storeDuration);
  await waitForRedis(redis);
  const verifier = createIdentityVerifier(name, await loadTrustedKeys(options.routerPublicKey, options.trustedServiceKeys));
  return {
    metrics,
    connection,
    models,
    redis,
    verifier,
    async ping() {
      const [mongodb, redisOk] = await Promise.all([pingMongo(connection), pingRedis(redis)]);
      return { mongodb, redis: redisOk };
    },
    async close() {
      redis.disconnect();
      await connection.close();
    },
  };
}
