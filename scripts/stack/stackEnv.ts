import { SUBGRAPHS } from '@shopcart/schema/subgraphs.js';
import { serviceKeyEnv, type PlatformKeys } from './keys.js';

/**
 * The environment every Shopcart service is started with, built in this one
 * place for every way the platform runs: `npm start`, the tests (services as
 * processes or in-process), the audit and the benchmarks. What differs
 * between them (NODE_ENV, log level, limits) they pass as `env`; keys, store
 * URLs, database names, the Redis key prefix and each service's URLs of the
 * others are built here.
 */

export interface StackEnvOptions {
  keys: PlatformKeys;
  mongoUrl: string;
  redisUrl: string;
  /** The router's Redis for persisted queries: production gives it a bounded one of its own. */
  apqRedisUrl?: string;
  /** Where each running subgraph answers GraphQL: the router and the services calling each other read <NAME>_URL. */
  subgraphUrls: Record<string, string>;
  /**
   * For stacks sharing one pair of stores: each subgraph keeps to a database
   * of this stack's own (shopcart_<name>_<id>) and every Redis key starts
   * with `<label>-<id>:`. Without it, the default databases and no prefix.
   */
  namespace?: { label: string; id: string };
  /** Variables for every service, over the stack's own. */
  env?: Record<string, string>;
  /** Variables for the router only, over everything else. */
  routerEnv?: Record<string, string>;
}

export interface StackEnv {
  /** What every service is started with. */
  shared: Record<string, string>;
  /** What one service (a subgraph, or 'router') is started with: the shared variables and its keys. */
  of(name: string): Record<string, string>;
}

/**
 * Services as `npm start` runs them, for stacks that live for one run (the
 * tests' process stacks, the audit, some benchmarks), with cheaper password
 * hashing: they register many customers. NODE_ENV=development, not test:
 * under test Apollo Server leaves the termination signals alone, which once
 * hid a SIGTERM that never let a process exit.
 */
export const DISPOSABLE_STACK_ENV: Readonly<Record<string, string>> = { NODE_ENV: 'development', LOG_LEVEL: 'info', PASSWORD_HASH_COST: '12' };

export const graphqlUrl = (port: number): string => `http://127.0.0.1:${port}/graphql`;

/** `<NAME>_DB_NAME` of every subgraph: a database of its own per stack. */
export function databaseNames(id: string): Record<string, string> {
  return Object.fromEntries(SUBGRAPHS.map(({ name }) => [`${name.toUpperCase()}_DB_NAME`, `shopcart_${name}_${id}`]));
}

export function stackEnv(options: StackEnvOptions): StackEnv {
  const { keys, namespace } = options;
  const shared: Record<string, string> = {
    APOLLO_TELEMETRY_DISABLED: 'true',
    MONGODB_URL: options.mongoUrl,
    REDIS_URL: options.redisUrl,
    ...(namespace ? { REDIS_KEY_PREFIX: `${namespace.label}-${namespace.id}:`, ...databaseNames(namespace.id) } : {}),
    ...Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
    ...options.env,
  };
  const router = {
    ...shared,
    ...(options.apqRedisUrl ? { APQ_REDIS_URL: options.apqRedisUrl } : {}),
    ROUTER_PRIVATE_KEY: keys.routerPrivate,
    ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic,
    ...options.routerEnv,
  };
  return {
    shared,
    of: (name) => (name === 'router' ? { ...router } : { ...shared, ...serviceKeyEnv(name, keys) }),
  };
}
