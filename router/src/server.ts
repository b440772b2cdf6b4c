import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  createHttpServer,
  createIdentitySigner,
  createLogger,
  createMetrics,
  importPrivateKey,
  maskError,
  operationMetricsPlugin,
  ROUTER_ISSUER,
  type Logger,
  type Runnable,
} from '@shopcart/kit';
import { allow } from 'graphql-shield';
import { createAccessTokenVerifier } from './auth.js';
import { authorizationPlugin } from './authorize.js';
import { createContext, type RouterContext } from './context.js';
import { SubgraphDataSource } from './dataSource.js';
import type { RouterEnv } from './env.js';
import { createLimits, hideLimitDetails } from './limits.js';
import { fieldPermissions, nestedFallbackRule, permissions, rootFallbackRule } from './permissions.js';
import { subgraphReadiness } from './readiness.js';

export interface RouterService extends Runnable {
  logger: Logger;
}

/** Builds the router (gateway, auth, limits, HTTP server); the caller decides where to listen. */
export async function createRouter(env: RouterEnv, logger: Logger = createLogger('router', env.LOG_LEVEL)): Promise<RouterService> {
  const metrics = createMetrics('router');
  const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(env.ROUTER_PRIVATE_KEY));
  const verifyAccessToken = await createAccessTokenVerifier({ publicKeyPem: env.ACCESS_TOKEN_PUBLIC_KEY, jwksUrl: env.USERS_JWKS_URL });
  const subgraphUrls: Record<string, string> = {};

  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(env.SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) => {
      const target = env.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      subgraphUrls[name] = target;
      return new SubgraphDataSource({ name, url: target, signer, timeoutMs: env.SUBGRAPH_TIMEOUT_MS, logger });
    },
  });

  const limits = createLimits(env);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    // Introspection is gated per caller by the authorization plugin.
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    formatError: (formatted) => maskError(hideLimitDetails(formatted)),
    plugins: [
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
      operationMetricsPlugin<RouterContext>(metrics),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  const http = createHttpServer<RouterContext>({
    apollo,
    logger,
    metrics,
    maxBodyBytes: env.MAX_BODY_BYTES,
    corsOrigins: env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    context: (info) => createContext(info, verifyAccessToken, env.TRUST_PROXY_HOPS),
    readiness: () => subgraphReadiness(subgraphUrls),
  });

  return {
    http,
    logger,
    async close() {
      await apollo.stop();
    },
  };
}
