import { readFileSync } from 'node:fs';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { parse } from 'graphql';
import { maskError, requestError, withRouterStatus } from './errors.js';
import { createHttpServer, type Readiness, type RequestInfo, type ShopcartHttpServer } from './http.js';
import { IdentityError, type Viewer } from './identity.js';
import type { Logger } from './logger.js';
import { operationMetricsPlugin } from './plugins.js';
import type { SubgraphStores } from './stores.js';

/** What every subgraph context carries; domains add their loaders and stores. */
export interface BaseSubgraphContext {
  viewer: Viewer;
  requestId: string;
  logger: Logger;
}

export interface SubgraphOptions<TContext extends BaseSubgraphContext> {
  /** What openSubgraphStores opened: the subgraph's name, logger, metrics, identity verifier and readiness. */
  stores: SubgraphStores;
  typeDefs: string;
  // Resolver maps are checked against generated types in each subgraph.
  resolvers: unknown;
  createContext: (base: BaseSubgraphContext, info: RequestInfo) => TContext | Promise<TContext>;
  /** For /ready; by default the stores' own readiness. */
  readiness?: () => Promise<Readiness>;
  maxBodyBytes: number;
  plugins?: ApolloServerPlugin<TContext>[];
  /** Error codes of this subgraph's internal API that callers act on, so they pass the mask as they are. */
  publicErrorCodes?: readonly string[];
  routes?: Parameters<typeof createHttpServer>[0]['routes'];
}

export function readSchema(url: URL): string {
  return readFileSync(url, 'utf8');
}

/**
 * Builds a subgraph's Apollo server and HTTP server; never listens, so tests
 * start it on a free port. Every request must carry identity the subgraph can
 * verify (router-signed or service-signed); anything else is refused whole,
 * including `_entities` and `_service`.
 */
export async function createSubgraphServer<TContext extends BaseSubgraphContext>(
  options: SubgraphOptions<TContext>,
): Promise<{ apollo: ApolloServer<TContext>; http: ShopcartHttpServer }> {
  const { stores } = options;
  const extraCodes = new Set(options.publicErrorCodes ?? []);
  const schema = buildSubgraphSchema({ typeDefs: parse(options.typeDefs), resolvers: options.resolvers as GraphQLResolverMap<unknown> });
  const apollo = new ApolloServer<TContext>({
    schema,
    introspection: false,
    includeStacktraceInErrorResponses: false,
    // runService owns SIGTERM/SIGINT (drain, then close). Apollo's own handler stopped the
    // server underneath it, and the stop our handler then awaited never finished.
    stopOnTerminationSignals: false,
    formatError: (formatted) => withRouterStatus(maskError(formatted, extraCodes)),
    // No usage reporting anywhere, so no per-field traces for the router either. No subgraph sets
    // cache hints, and the cache-control plugin's per-field hook made Apollo Server wrap every resolver.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      operationMetricsPlugin<TContext>(stores.metrics),
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();
  const http = createHttpServer<TContext>({
    apollo,
    logger: stores.logger,
    metrics: stores.metrics,
    readiness: options.readiness ?? (() => stores.readiness()),
    maxBodyBytes: options.maxBodyBytes,
    routes: options.routes,
    context: async (info) => {
      let viewer: Viewer;
      try {
        viewer = await stores.verifier.verify(info.req.headers.authorization);
      } catch (err) {
        info.logger.warn({ reason: err instanceof IdentityError ? err.message : 'unknown' }, 'request without valid identity');
        throw requestError('UNAUTHENTICATED', 'Requests must come through the router');
      }
      return options.createContext({ viewer, requestId: info.requestId, logger: info.logger }, info);
    },
  });
  return { apollo, http };
}
