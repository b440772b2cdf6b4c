import { fileURLToPath } from 'node:url';
import { baseEnvSchema, booleanFlag, loadEnv, pemString } from '@shopcart/kit';
import { z } from 'zod';

export const routerEnvSchema = baseEnvSchema
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    SUPERGRAPH_PATH: z.string().default(fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url))),
    /** Signs the per-subgraph identity tokens (EdDSA, PKCS#8 PEM). */
    ROUTER_PRIVATE_KEY: pemString,
    /** Verifies customer access tokens: a fixed public key (SPKI PEM)... */
    ACCESS_TOKEN_PUBLIC_KEY: pemString.optional(),
    /** ...or the users service's key set, e.g. http://users:4001/.well-known/jwks.json */
    USERS_JWKS_URL: z.url().optional(),
    /** Introspection for everyone; admins may always introspect. Default: on outside production. */
    INTROSPECTION: booleanFlag.optional(),
    /** The GraphiQL IDE on GET /graphql for browsers: a static page, all authority comes from the pasted token. */
    PLAYGROUND: booleanFlag.default(true),
    SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    /**
     * Per-subgraph exceptions to SUBGRAPH_TIMEOUT_MS, as name=ms pairs. A checkout waits for a payment
     * provider, so orders gets the whole request's budget by default.
     */
    SUBGRAPH_TIMEOUTS: z
      .string()
      .default('orders=15000')
      .transform((value, ctx) => {
        const timeouts: Record<string, number> = {};
        for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
          const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(pair);
          if (!match || Number(match[2]) <= 0) {
            ctx.addIssue({ code: 'custom', message: `expected name=milliseconds pairs, e.g. orders=15000 (got "${pair}")` });
            return z.NEVER;
          }
          timeouts[match[1]!] = Number(match[2]);
        }
        return timeouts;
      }),
    /** Bound on one whole client request: later subgraph calls get only what is left of it. */
    ROUTER_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
    /** Per-subgraph circuit breaker: opens above this failure percentage... */
    SUBGRAPH_BREAKER_ERROR_PERCENT: z.coerce.number().min(1).max(100).default(50),
    /** ...once this many calls were made within the window... */
    SUBGRAPH_BREAKER_MIN_REQUESTS: z.coerce.number().int().positive().default(5),
    SUBGRAPH_BREAKER_WINDOW_MS: z.coerce.number().int().positive().default(10_000),
    /** ...and lets one probe call through this long after opening. */
    SUBGRAPH_BREAKER_RESET_MS: z.coerce.number().int().positive().default(5_000),
    /** Rate limits and persisted queries are shared by every router replica through Redis. */
    ROUTER_REDIS_URL: z.string().optional(),
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    REDIS_KEY_PREFIX: z.string().default(''),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
    /** Operations per client address per window, and per signed-in user. */
    RATE_LIMIT_PER_IP: z.coerce.number().int().positive().default(3_000),
    RATE_LIMIT_PER_USER: z.coerce.number().int().positive().default(600),
    /** login and register fields per client address per auth window. */
    RATE_LIMIT_AUTH_PER_IP: z.coerce.number().int().positive().default(60),
    RATE_LIMIT_AUTH_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
    /** How long a registered persisted query is kept (automatic persisted queries). */
    APQ_TTL_SECONDS: z.coerce.number().int().positive().max(7 * 24 * 3600).default(24 * 3600),
    /** A persisted query larger than this is served but not kept (the client keeps sending it whole). */
    APQ_MAX_BYTES: z.coerce.number().int().positive().max(1_000_000).default(16_384),
    /** New persisted queries kept per client address per hour; the rest are served, not kept. */
    APQ_REGISTRATIONS_PER_CLIENT: z.coerce.number().int().min(0).default(100),
    /**
     * A Redis of its own for persisted queries, with a memory limit and LRU eviction, so that
     * they can never crowd out carts (whose Redis never evicts). Required in production.
     */
    APQ_REDIS_URL: z.string().optional(),
    MAX_DEPTH: z.coerce.number().int().positive().default(10),
    MAX_ALIASES: z.coerce.number().int().positive().default(15),
    // A full 100-product catalog page with variants, stock and facets costs about 16,600.
    MAX_COST: z.coerce.number().int().positive().default(25_000),
    /** Admins run heavier reports and back-office pages. */
    ADMIN_MAX_COST: z.coerce.number().int().positive().default(250_000),
    /**
     * Anonymous catalog answers cached in Redis this long at most (shared by replicas, invalidated by writes
     * through the router); 0 turns the cache off. The same bound holds for the entities such answers are
     * built from, kept in each router process's memory.
     */
    RESPONSE_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
    /** Entities (e.g. a variant's stock) each router process keeps for anonymous catalog reads at most. */
    ENTITY_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).default(20_000),
    MAX_TOKENS: z.coerce.number().int().positive().default(2_000),
    MAX_DIRECTIVES: z.coerce.number().int().positive().default(20),
    /** Comma-separated browser origins allowed to call the router (e.g. https://shop.example.com). */
    CORS_ORIGINS: z.string().default(''),
    /** Load balancers in front of the router whose X-Forwarded-For entries are trusted. */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  })
  .refine((env) => env.ACCESS_TOKEN_PUBLIC_KEY || env.USERS_JWKS_URL, {
    message: 'set ACCESS_TOKEN_PUBLIC_KEY or USERS_JWKS_URL',
    path: ['ACCESS_TOKEN_PUBLIC_KEY'],
  })
  .refine((env) => env.NODE_ENV !== 'production' || env.APQ_REDIS_URL, {
    message: 'set APQ_REDIS_URL in production: a Redis with maxmemory and an LRU policy, not the one that holds carts',
    path: ['APQ_REDIS_URL'],
  });

export type RouterEnv = z.infer<typeof routerEnvSchema> & {
  introspection: boolean;
  redisUrl: string;
  /** Subgraph URL overrides from <NAME>_URL variables, e.g. USERS_URL. */
  subgraphUrls: Record<string, string>;
};

export function loadRouterEnv(source: Record<string, string | undefined> = process.env): RouterEnv {
  const env = loadEnv(routerEnvSchema, source);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const match = /^([A-Z]+)_URL$/.exec(key);
    if (match?.[1] && value && !['MONGODB', 'REDIS', 'USERS_JWKS'].includes(match[1])) subgraphUrls[match[1].toLowerCase()] = value;
  }
  return { ...env, introspection: env.INTROSPECTION ?? env.NODE_ENV !== 'production', redisUrl: env.ROUTER_REDIS_URL ?? env.REDIS_URL, subgraphUrls };
}
