import type { Connection, Model } from 'mongoose';
import type { Readiness } from './http.js';
import { createIdentityVerifier, type IdentityVerifier } from './identity.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { connectMongo, pingMongo } from './mongo.js';
import { connectRedis, pingRedis, waitForRedis, type Redis } from './redis.js';
import type { Runnable } from './run.js';
import { loadTrustedKeys } from './services.js';
import { observeMongo, observeRedis } from './storeMetrics.js';
import type { MongoStoreSettings, RedisStoreSettings } from './subgraphEnv.js';

/** What openSubgraphStores reads from a subgraph's parsed env (loadSubgraphEnv). */
export interface StoreEnv extends RedisStoreSettings {
  REDIS_KEY_PREFIX: string;
  ROUTER_PUBLIC_KEY: string;
  TRUSTED_SERVICE_KEYS: string;
}

export interface MongoStoreEnv extends StoreEnv, MongoStoreSettings {
  MONGO_MONITOR_COMMANDS: boolean;
}

/** What every subgraph runs with: createSubgraphServer takes it whole. */
export interface SubgraphStores {
  name: string;
  logger: Logger;
  metrics: Metrics;
  redis: Redis;
  verifier: IdentityVerifier;
  /** For /ready: every store reachable, and every check the subgraph adds (products: its index loaded) true. */
  readiness(checks?: Record<string, boolean>): Promise<Readiness>;
  close(): Promise<void>;
}

export interface MongoSubgraphStores<TModels> extends SubgraphStores {
  connection: Connection;
  models: TModels;
}

/** What every subgraph service hands the tests and benchmarks that start it, besides running. */
export interface SubgraphService extends Runnable {
  logger: Logger;
}

export interface MongoSubgraphService<TModels> extends SubgraphService {
  models: TModels;
  /** The mongoose connection, so tests and benchmarks can watch its commands. */
  connection: Connection;
}

interface StoreOptions {
  name: string;
  logger: Logger;
  /** Commands issued together leave for Redis in one write (the cart: many small scripts per second). */
  autoPipelining?: boolean;
}

/**
 * What a subgraph opens at start: its database (indexes built) when it has
 * models, its Redis connection, its metrics registry, and the verifier for
 * identity from the router and the services it trusts.
 */
export async function openSubgraphStores<TModels extends object>(
  env: MongoStoreEnv,
  options: StoreOptions & { createModels: (connection: Connection) => TModels },
): Promise<MongoSubgraphStores<TModels>>;
export async function openSubgraphStores(env: StoreEnv, options: StoreOptions): Promise<SubgraphStores>;
export async function openSubgraphStores<TModels extends object>(
  env: StoreEnv & Partial<MongoStoreEnv>,
  options: StoreOptions & { createModels?: (connection: Connection) => TModels },
): Promise<SubgraphStores | MongoSubgraphStores<TModels>> {
  const { logger, name } = options;
  const metrics = createMetrics(name);
  let mongo: { connection: Connection; models: TModels } | null = null;
  if (options.createModels) {
    const connection = await connectMongo({ url: env.mongoUrl!, dbName: env.dbName!, logger, monitorCommands: env.MONGO_MONITOR_COMMANDS ?? false });
    observeMongo(connection, metrics.storeDuration);
    const models = options.createModels(connection);
    await Promise.all((Object.values(models) as Array<Model<unknown>>).map((model) => model.init()));
    mongo = { connection, models };
  }
  const redis = connectRedis(env.redisUrl, logger, name, env.REDIS_KEY_PREFIX, { autoPipelining: options.autoPipelining });
  observeRedis(redis, metrics.storeDuration);
  await waitForRedis(redis);
  const verifier = createIdentityVerifier(name, await loadTrustedKeys(env.ROUTER_PUBLIC_KEY, env.TRUSTED_SERVICE_KEYS));
  const stores: SubgraphStores = {
    name,
    logger,
    metrics,
    redis,
    verifier,
    async readiness(checks = {}) {
      const [mongodb, redisOk] = await Promise.all([mongo ? pingMongo(mongo.connection) : null, pingRedis(redis)]);
      const all = { ...(mongodb === null ? {} : { mongodb }), redis: redisOk, ...checks };
      return { ready: Object.values(all).every((ok) => ok), checks: all };
    },
    async close() {
      redis.disconnect();
      await mongo?.connection.close();
    },
  };
  return mongo ? { ...stores, ...mongo } : stores;
}
