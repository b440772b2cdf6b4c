import { createKeyedLock, createLogger, createSubgraphServer, importPrivateKey, openSubgraphStores, readSchema, type Logger, type MongoSubgraphService } from '@shopcart/kit';
import { ensureAdmin } from './accounts.js';
import { createGuestCartMerger } from './clients.js';
import { createContext, type UsersContext } from './context.js';
import type { AccountDeps } from './deps.js';
import type { UsersEnv } from './env.js';
import { createModels, type UsersModels } from './model.js';
import { passwordProblem } from './passwords.js';
import { resolvers } from './resolvers.js';
import { createSuccessorStash } from './successorStash.js';
import { createLoginThrottle } from './throttle.js';
import { createSessionRegistry } from './sessions.js';
import { createAccessTokenIssuer, sweepExpiredRefreshTokens } from './tokens.js';

export const SUBGRAPH_NAME = 'users';
export const typeDefs = readSchema(new URL('./schema.graphql', import.meta.url));

export type UsersService = MongoSubgraphService<UsersModels>;

/** Connects stores and builds the users subgraph; the caller decides where to listen. */
export async function createUsersService(env: UsersEnv, logger: Logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL)): Promise<UsersService> {
  if (env.NODE_ENV === 'production' && passwordProblem(env.adminPassword)) {
    throw new Error('Invalid configuration:\n  ADMIN_PASSWORD: too weak for production');
  }
  const stores = await openSubgraphStores(env, { name: SUBGRAPH_NAME, logger, createModels });
  const { connection, models, redis } = stores;

  const privateKey = await importPrivateKey(env.ACCESS_TOKEN_PRIVATE_KEY);
  const tokens = await createAccessTokenIssuer(privateKey, env.ACCESS_TOKEN_PRIVATE_KEY, env.ACCESS_TOKEN_TTL_SECONDS);
  const accounts: AccountDeps = {
    models,
    tokens,
    throttle: createLoginThrottle(redis, {
      perClientAccount: env.LOGIN_MAX_FAILURES_PER_CLIENT,
      perAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      perClient: env.LOGIN_MAX_FAILURES_PER_IP,
      windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
      accountWindowSeconds: env.LOGIN_ACCOUNT_FAILURE_WINDOW_SECONDS,
      knownClientSeconds: env.LOGIN_KNOWN_CLIENT_DAYS * 86_400,
    }),
    passwordCost: env.PASSWORD_HASH_COST,
    refreshTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
    refreshGraceMs: env.REFRESH_TOKEN_REUSE_GRACE_SECONDS * 1000,
    successors: createSuccessorStash(redis),
    locks: createKeyedLock(),
    mergeGuestCart: await createGuestCartMerger(env, logger),
    sessions: createSessionRegistry(redis, env.ACCESS_TOKEN_TTL_SECONDS),
  };

  if ((await ensureAdmin(models, env.adminEmail, env.adminPassword, env.PASSWORD_HASH_COST)) === 'created') {
    logger.info({ email: env.adminEmail }, 'admin account created');
  }
  const sweep = () => sweepExpiredRefreshTokens(models).catch((err: unknown) => logger.warn({ err }, 'refresh token sweep failed'));
  void sweep();
  const sweeper = setInterval(sweep, 3_600_000).unref();

  const jwksBody = JSON.stringify(tokens.jwks);
  const { http } = await createSubgraphServer<UsersContext>({
    stores,
    typeDefs,
    resolvers,
    maxBodyBytes: env.MAX_BODY_BYTES,
    createContext: (base) => createContext(base, models, accounts),
    routes: {
      // The router verifies access tokens with this public key set.
      '/.well-known/jwks.json': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
        res.end(jwksBody);
      },
    },
  });

  return {
    http,
    models,
    connection,
    logger,
    async close() {
      clearInterval(sweeper);
      await stores.close();
    },
  };
}
