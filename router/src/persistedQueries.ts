import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorsAreMissesCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Logger, Redis } from '@shopcart/kit';
import type { RouterContext } from './context.js';

/*
 * Automatic persisted queries, shared by every router replica through
 * Redis, and bounded: a registration costs the caller a document in memory
 * for a day, so what anonymous callers could store is capped three ways.
 *   - size: a document over APQ_MAX_BYTES is served but not kept (the client
 *     simply keeps sending it whole);
 *   - count: at most APQ_REGISTRATIONS_PER_CLIENT new documents per client
 *     address per hour are kept;
 *   - place: APQ_REDIS_URL puts them in a Redis of their own, with a memory
 *     limit and LRU eviction, away from carts (whose Redis never evicts).
 * Apollo Server keeps its own APQ protocol (hash checks, PERSISTED_QUERY_NOT_FOUND);
 * only the storing moves into registrationPlugin, which knows the caller.
 */

// Apollo names a document "apq:<hash>"; the router's keys live under "router:".
const keyOf = (apolloKey: string) => `router:${apolloKey}`;

/** Apollo's view of the store: lookups only. Registration happens in the plugin below. */
class PersistedQueryLookup implements KeyValueCache<string> {
  constructor(private readonly redis: Redis) {}

  async get(key: string): Promise<string | undefined> {
    // Apollo asks for "apq:<hash>".
    return (await this.redis.get(keyOf(key))) ?? undefined;
  }

  async set(): Promise<void> {
    // Stored by the registration plugin, which can bound it per caller.
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(keyOf(key))) > 0;
  }
}

export interface PersistedQueryOptions {
  ttlSeconds: number;
  maxBytes: number;
  registrationsPerClientPerHour: number;
}

/**
 * Apollo Server's persistedQueries option. A Redis failure reads as a miss
 * (the client then sends the full query, which is served), never as a
 * failed request.
 */
export function persistedQueries(redis: Redis, logger: Logger) {
  const warn = (message: string) => logger.warn({ err: message }, 'persisted query cache unavailable');
  const apolloLogger = { debug: () => {}, info: () => {}, warn, error: warn };
  return {
    cache: new ErrorsAreMissesCache(new PersistedQueryLookup(redis), apolloLogger),
  };
}

// Counts the caller's registrations in the current hour and stores the document only under the quota, in one round trip.
// A document already kept costs nothing (clients behind one address re-register the same ones).
const REGISTER = `if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], 3600) end
if n > tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1`;

/** Stores a registered document (query and hash, already checked by Apollo and validated) within the bounds above. */
export function registrationPlugin(redis: Redis, options: PersistedQueryOptions, logger: Logger): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart({ request }) {
      const hash = (request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
      const query = request.query;
      if (typeof hash !== 'string' || typeof query !== 'string') return;
      return {
        // After every plugin's didResolveOperation passed (authorization may refuse the operation
        // there, and a refused one must not be kept), and before the response cache may answer.
        async responseForOperation({ contextValue }) {
          if (Buffer.byteLength(query) > options.maxBytes) return null;
          const client = `router:apq-registrations:${contextValue.clientIp ?? 'unknown'}`;
          // Not awaited: the answer does not depend on it, and a slow Redis must not hold it
          // up. Later lookups on this connection queue behind the write.
          redis
            .eval(REGISTER, 2, client, keyOf(`apq:${hash}`), query, String(options.ttlSeconds), String(options.registrationsPerClientPerHour))
            .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'persisted query not stored'));
          return null;
        },
      };
    },
  };
}
