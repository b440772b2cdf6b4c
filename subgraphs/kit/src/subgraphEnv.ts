import { z } from 'zod';
import { booleanFlag, loadEnv, pemString } from './env.js';
import { serviceEnvFields } from './services.js';

const portField = (port: number) => z.coerce.number().int().min(0).max(65535).default(port);
const ownUrlField = () => z.string().optional();

const redisFields = {
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * Lets several deployments (or test runs) share one Redis. Services that
   * follow each other's streams must use the same one: products reads
   * inventory's stock levels, the cart reads products' and inventory's.
   */
  REDIS_KEY_PREFIX: z.string().default(''),
  /** Verifies identity forwarded by the router (SPKI PEM). */
  ROUTER_PUBLIC_KEY: pemString,
};

const mongoFields = {
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017'),
  /** For tests and benchmarks that count database round trips. */
  MONGO_MONITOR_COMMANDS: booleanFlag.default(false),
};

type OwnUrl = ReturnType<typeof ownUrlField>;

/** The fields every subgraph reads besides the base ones; `<NAME>_REDIS_URL` is its own Redis, over REDIS_URL. */
export type SubgraphEnvFields<Name extends string> = typeof serviceEnvFields & { PORT: ReturnType<typeof portField> } & Record<`${Uppercase<Name>}_REDIS_URL`, OwnUrl> &
  typeof redisFields;

/** A MongoDB-backed subgraph's fields: also `<NAME>_MONGODB_URL` over MONGODB_URL, and `<NAME>_DB_NAME`. */
export type MongoSubgraphEnvFields<Name extends string> = SubgraphEnvFields<Name> &
  Record<`${Uppercase<Name>}_MONGODB_URL`, OwnUrl> &
  Record<`${Uppercase<Name>}_DB_NAME`, z.ZodDefault<z.ZodString>> &
  typeof mongoFields;

/**
 * The settings every subgraph reads, for its env schema to spread:
 * `baseEnvSchema.extend({ ...subgraphEnvFields('orders', { port: 4005, database: 'shopcart_orders' }), ...its own })`.
 * Each service takes its own store URLs (ORDERS_MONGODB_URL, ORDERS_REDIS_URL)
 * so it can live on its own cluster, and falls back to the shared ones
 * (MONGODB_URL, REDIS_URL) in development. Without `database` (the cart) there
 * is no MongoDB. The fields keep this order: a message naming several bad
 * variables names them in the order of the schema.
 */
export function subgraphEnvFields<const Name extends string>(name: Name, options: { port: number; database: string }): MongoSubgraphEnvFields<Name>;
export function subgraphEnvFields<const Name extends string>(name: Name, options: { port: number }): SubgraphEnvFields<Name>;
export function subgraphEnvFields(name: string, options: { port: number; database?: string }): Record<string, z.ZodType> {
  const prefix = name.toUpperCase();
  const { MONGODB_URL, MONGO_MONITOR_COMMANDS } = mongoFields;
  const mongo = options.database !== undefined;
  return {
    ...serviceEnvFields,
    PORT: portField(options.port),
    ...(mongo ? { [`${prefix}_MONGODB_URL`]: ownUrlField(), MONGODB_URL, [`${prefix}_DB_NAME`]: z.string().default(options.database!) } : {}),
    [`${prefix}_REDIS_URL`]: ownUrlField(),
    ...redisFields,
    ...(mongo ? { MONGO_MONITOR_COMMANDS } : {}),
  };
}

/** Where a subgraph's Redis is: `<NAME>_REDIS_URL`, else REDIS_URL. */
export interface RedisStoreSettings {
  redisUrl: string;
}

/** And its database: `<NAME>_MONGODB_URL`, else MONGODB_URL, and `<NAME>_DB_NAME`. */
export interface MongoStoreSettings extends RedisStoreSettings {
  mongoUrl: string;
  dbName: string;
}

/** A subgraph's parsed configuration, with its store settings resolved. */
export type SubgraphEnv<S extends z.ZodType> = z.infer<S> & (z.infer<S> extends { MONGODB_URL: string } ? MongoStoreSettings : RedisStoreSettings);

/** Parses a subgraph's env (loadEnv: one message naming every bad variable) and resolves its store settings. */
export function loadSubgraphEnv<S extends z.ZodType>(name: string, schema: S, source: Record<string, string | undefined> = process.env): SubgraphEnv<S> {
  const env = loadEnv(schema, source) as Record<string, unknown>;
  const prefix = name.toUpperCase();
  const redisUrl = env[`${prefix}_REDIS_URL`] ?? env.REDIS_URL;
  const stores = 'MONGODB_URL' in env ? { mongoUrl: env[`${prefix}_MONGODB_URL`] ?? env.MONGODB_URL, dbName: env[`${prefix}_DB_NAME`], redisUrl } : { redisUrl };
  return { ...env, ...stores } as unknown as SubgraphEnv<S>;
}
