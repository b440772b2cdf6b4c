// First: the gateway below must load the federation packages' plain exports.
import './flatExports.js';
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  connectRedis,
  createHttpServer,
  createIdentitySigner,
  createLogger,
  createMetrics,
  createRouterMetrics,
  importPrivateKey,
  maskError,
  operationMetricsPlugin,
  ROUTER_ISSUER,
  waitForRedis,
  type Logger,
  type Runnable,
} from '@shopcart/kit';
import { allow } from 'graphql-shield';
import { createAccessTokenVerifier } from './auth.js';
import { authorizationPlugin } from './authorize.js';
import { namePersistedQueryMismatch, noSubscriptionsRule, operationResolutionPlugin } from './clientErrors.js';
import { createContext, type RouterContext } from './context.js';
import { createEntityCache } from './entityCache.js';
import { SubgraphDataSource } from './dataSource.js';
import type { RouterEnv } from './env.js';
import { createLimits, hideLimitDetails } from './limits.js';
import { fieldPermissions, nestedFallbackRule, permissions, rootFallbackRule } from './permissions.js';
import { persistedQueries, registrationPlugin } from './persistedQueries.js';
import { checkingSessions } from './sessions.js';
import { rateLimitPlugin, retryAfterHeaderPlugin } from './rateLimit.js';
import { responseCachePlugin } from './responseCache.js';
import { createPlayground } from './playground.js';
import { subgraphReadiness } from './readiness.js';
import { createSubgraphClient } from './subgraphHttp.js';

export interface RouterService extends Runnable {
  logger: Logger;
}

/** Builds the router (gateway, auth, limits, HTTP server); the caller decides where to listen. */
export async function createRouter(env: RouterEnv, logger: Logger = createLogger('router', env.LOG_LEVEL)): Promise<RouterService> {
  const metrics = createMetrics('router');
  const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(env.ROUTER_PRIVATE_KEY));
  const verifyAccessToken = await createAccessTokenVerifier({ publicKeyPem: env.ACCESS_TOKEN_PUBLIC_KEY, jwksUrl: env.USERS_JWKS_URL });
  const subgraphUrls: Record<string, string> = {};
  const routerMetrics = createRouterMetrics(metrics.registry);
  const dataSources: SubgraphDataSource[] = [];
  // One pooled client for every subgraph, spreading calls over each subgraph's replicas.
  const subgraphHttp = createSubgraphClient();
  // Pipelined: a request's rate-limit call and response-cache lookup share one write.
  const redis = connectRedis(env.redisUrl, logger, 'router', env.REDIS_KEY_PREFIX, { autoPipelining: true });
  // Serving without Redis is possible (limits per replica, no shared persisted queries), so a missing Redis delays start-up only briefly.
  await waitForRedis(redis, 3_000).catch(() => logger.warn('Redis not reachable at start-up: rate limits hold per replica until it is'));
  // Sign-outs and role changes take effect on the next request, not at the token's expiry.
  const verifySession = checkingSessions(verifyAccessToken, redis, logger);
  const apqRedis = env.APQ_REDIS_URL ? connectRedis(env.APQ_REDIS_URL, logger, 'router-apq', env.REDIS_KEY_PREFIX) : redis;
  // Like the main Redis: a registration arriving before the connection is up would be dropped (its write
  // is not awaited), so a client's first persisted query would have to be registered again.
  if (apqRedis !== redis) {
    await waitForRedis(apqRedis, 3_000).catch(() => logger.warn('persisted-query Redis not reachable at start-up: persisted queries are not kept until it is'));
  }
  const apq = { ttlSeconds: env.APQ_TTL_SECONDS, maxBytes: env.APQ_MAX_BYTES, registrationsPerClientPerHour: env.APQ_REGISTRATIONS_PER_CLIENT };
  const breaker = {
    errorPercent: env.SUBGRAPH_BREAKER_ERROR_PERCENT,
    minRequests: env.SUBGRAPH_BREAKER_MIN_REQUESTS,
    windowMs: env.SUBGRAPH_BREAKER_WINDOW_MS,
    resetMs: env.SUBGRAPH_BREAKER_RESET_MS,
  };

  const entityCache =
    env.RESPONSE_CACHE_TTL_SECONDS > 0 && env.ENTITY_CACHE_MAX_ENTRIES > 0
      ? createEntityCache({ ttlSeconds: env.RESPONSE_CACHE_TTL_SECONDS, maxEntries: env.ENTITY_CACHE_MAX_ENTRIES }, metrics.registry)
      : undefined;

  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(env.SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) => {
      const target = env.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      subgraphUrls[name] = target;
      const dataSource = new SubgraphDataSource({ name, url: target, signer, timeoutMs: env.SUBGRAPH_TIMEOUTS[name] ?? env.SUBGRAPH_TIMEOUT_MS, logger, metrics: routerMetrics, breaker, client: subgraphHttp, entityCache });
      dataSources.push(dataSource);
      return dataSource;
    },
  });

  const limits = createLimits(env);
  const playground = env.PLAYGROUND ? await createPlayground({ graphqlPath: '/graphql' }) : null;
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    // Introspection is gated per caller by the authorization plugin.
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // runService owns SIGTERM/SIGINT (drain, then close). Apollo's own handler stopped the
    // server underneath it, and the stop our handler then awaited never finished.
    stopOnTerminationSignals: false,
    validationRules: [...limits.validationRules, noSubscriptionsRule],
    parseOptions: limits.parseOptions,
    persistedQueries: persistedQueries(apqRedis, logger),
    formatError: (formatted) => maskError(namePersistedQueryMismatch(hideLimitDetails(formatted))),
    plugins: [
      // Answers a document whose operation cannot be chosen before anything else is asked of it.
      operationResolutionPlugin<RouterContext>(),
      rateLimitPlugin(
        redis,
        { windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS, perIp: env.RATE_LIMIT_PER_IP, perUser: env.RATE_LIMIT_PER_USER, authPerIp: env.RATE_LIMIT_AUTH_PER_IP, authWindowSeconds: env.RATE_LIMIT_AUTH_WINDOW_SECONDS },
        routerMetrics,
        logger,
      ),
      ...(limits.plugins as never[]),
      authorizationPlugin<RouterContext>(
        {
          rules: { ...permissions, ...fieldPermissions },
          rootFallback: rootFallbackRule,
          nestedFallback: nestedFallbackRule,
          allow,
        },
        { introspectionForAll: env.introspection },
      ),
      registrationPlugin(apqRedis, apq, logger),
      retryAfterHeaderPlugin(),
      operationMetricsPlugin<RouterContext>(metrics),
      responseCachePlugin(redis, { ttlSeconds: env.RESPONSE_CACHE_TTL_SECONDS }, metrics.registry, logger),
      playground?.plugin ?? ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const http = createHttpServer<RouterContext>({
    apollo,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    corsOrigins: env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    context: (info) => createContext(info, verifySession, env.TRUST_PROXY_HOPS, env.ROUTER_REQUEST_TIMEOUT_MS),
    readiness: () => subgraphReadiness(subgraphUrls),
    routes: playground?.routes,
  });
  playground?.secure(http.server);

  return {
    http,
    logger,
    async close() {
      await apollo.stop();
      for (const dataSource of dataSources) dataSource.breaker.shutdown();
      await subgraphHttp.close();
      // QUIT waits for an answer a Redis that is gone never sends.
      for (const client of new Set([redis, apqRedis])) {
        if (client.status === 'ready') await Promise.race([client.quit().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        client.disconnect();
      }
    },
  };
}
