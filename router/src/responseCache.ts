import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import type { Logger, Redis } from '@shopcart/kit';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import type { RouterContext } from './context.js';

/**
 * Public catalog reads: the same answer for every anonymous caller. Nothing of a cart, user or order.
 * This list and the next are checked against the supergraph (router/test/root-field-lists.test.ts):
 * a root field sorted into neither fails the suite.
 */
export const CACHEABLE_ROOT_FIELDS = new Set(['product', 'products', 'categories', 'category', '__typename']);

/** Catalog and stock writes. Each one, once it succeeds, makes every cached answer a miss on every replica. */
export const INVALIDATING_MUTATIONS = new Set(['createCategory', 'createProduct', 'updateProduct', 'archiveProduct', 'updateVariant', 'setInventory']);

const GENERATION_KEY = 'router:rc:generation';

/** How many recently asked-for keys a process remembers, to admit only answers asked for twice. */
const SEEN_KEYS = 50_000;

/**
 * One round trip per lookup: the current generation, and the entry stored
 * under it. Keys are built here from the prefixed key the client passed,
 * so REDIS_KEY_PREFIX still applies.
 */
const LOOKUP = `local g = redis.call('GET', KEYS[1]) or '0'
return { g, redis.call('GET', KEYS[2] .. ':' .. g) }`;

export interface ResponseCacheOptions {
  ttlSeconds: number;
}

interface Flight {
  promise: Promise<string | null>;
  /** Requests waiting on this execution's answer. */
  waiters: number;
}

interface Lookup {
  key: string;
  /** The generation and the entry stored under it, or why Redis could not say. */
  result: Promise<[string, string | null] | Error>;
}

interface Pending {
  /** The response key under the generation read before execution. */
  entryKey: string;
  /** Settles the requests waiting on this one's answer (null: they must execute themselves). */
  settle: (result: string | null) => void;
  /** Asked for before within the TTL, so worth storing. */
  store: boolean;
  /** The execution this request leads, when it leads one. */
  flight?: Flight;
}

function operationIsCacheable(operation: OperationDefinitionNode | undefined): boolean {
  if (!operation || operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && CACHEABLE_ROOT_FIELDS.has(s.name.value));
}

function invalidates(operation: OperationDefinitionNode | undefined): boolean {
  if (!operation || operation.operation !== 'mutation') return false;
  return operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && INVALIDATING_MUTATIONS.has(s.name.value));
}

/**
 * A response cache for anonymous catalog queries, shared by every router
 * replica through Redis. Entries live ttlSeconds at most; a catalog or
 * stock write through any replica starts a new generation, so the next
 * read anywhere misses and sees it. Hits still pass authorization, limits
 * and rate limits, which run before this lookup. A Redis failure reads as a
 * miss, never as a failed request.
 */
export function responseCachePlugin(redis: Redis, options: ResponseCacheOptions, registry: Registry, logger: Logger): ApolloServerPlugin<RouterContext> {
  const requests = new Counter({
    name: 'router_response_cache_requests_total',
    help: 'Cacheable operations (anonymous catalog queries) by result: hit or miss',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const pending = new WeakMap<GraphQLRequestContext<RouterContext>, Pending>();
  // One execution per key at a time in this process: a burst of identical
  // misses (an expired popular page) waits for the first instead of
  // stampeding the subgraphs.
  const inFlight = new Map<string, Flight>();
  // Most distinct pages are asked for once (a search with its own filters):
  // serialising and storing those costs more than it saves. An answer is
  // stored the second time its key is asked for within the TTL.
  const seen = new Map<string, number>();
  const askedBefore = (key: string): boolean => {
    const now = Date.now();
    const until = seen.get(key);
    if (until !== undefined && until > now) return true;
    if (seen.size >= SEEN_KEYS) seen.delete(seen.keys().next().value!);
    seen.set(key, now + options.ttlSeconds * 1000);
    return false;
  };
  const hit = (text: string) => {
    requests.inc({ result: 'hit' });
    return { http: { status: undefined, headers: new HeaderMap([['x-response-cache', 'hit']]) }, body: { kind: 'single' as const, singleResult: JSON.parse(text) } };
  };
  let warned = false;
  const unavailable = (err: unknown) => {
    if (!warned) logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'response cache unavailable; serving uncached');
    warned = true;
  };

  const lookups = new WeakMap<GraphQLRequestContext<RouterContext>, Lookup>();

  return {
    async requestDidStart() {
      return {
        async didResolveOperation(requestContext) {
          const { contextValue, operation, request, queryHash } = requestContext;
          if (options.ttlSeconds <= 0 || contextValue.identity.userId !== null || !operationIsCacheable(operation)) return;
          // The document as asked: for an anonymous caller, what authorization prunes from it
          // depends only on the document, the variables and the role, all in the key.
          const key = `router:rc:${createHash('sha256').update(JSON.stringify([queryHash, request.operationName ?? null, contextValue.identity.role, request.variables ?? {}])).digest('base64url')}`;
          // Sent now, in the same tick as the rate limit's call, so that the two leave for Redis
          // in one write (the router's client pipelines a tick's commands). The answer is used
          // only in responseForOperation, once the rate limit and authorization have passed.
          const result = (redis.eval(LOOKUP, 2, GENERATION_KEY, key) as Promise<[string, string | null]>).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
          lookups.set(requestContext, { key, result });
        },
        async responseForOperation(requestContext) {
          const { contextValue } = requestContext;
          const lookup = lookups.get(requestContext);
          if (!lookup) return null;
          const { key } = lookup;
          try {
            const answer = await lookup.result;
            if (answer instanceof Error) throw answer;
            const [generation, cached] = answer;
            warned = false;
            if (cached) return hit(cached);
            contextValue.cacheGeneration = generation;
            // Waiting only on an execution that read the same generation: one begun before a write is not shared after it.
            const entryKey = `${key}:${generation}`;
            const leader = inFlight.get(entryKey);
            if (leader) leader.waiters += 1;
            const shared = leader ? await leader.promise : null;
            if (shared) return hit(shared);
            requests.inc({ result: 'miss' });
            let settle: (result: string | null) => void = () => {};
            let flight: Flight | undefined;
            if (!leader) {
              let release: (result: string | null) => void = () => {};
              const led: Flight = { promise: new Promise<string | null>((resolve) => (release = resolve)), waiters: 0 };
              inFlight.set(entryKey, led);
              flight = led;
              settle = (result) => {
                if (inFlight.get(entryKey) === led) inFlight.delete(entryKey);
                release(result);
              };
            }
            pending.set(requestContext, { entryKey, settle, store: askedBefore(key), flight });
          } catch (err) {
            unavailable(err);
          }
          return null;
        },
        async willSendResponse(requestContext) {
          const { response, operation } = requestContext;
          if (response.body.kind !== 'single') return;
          const { errors, data } = response.body.singleResult;
          if (invalidates(operation) && data) {
            await redis.incr(GENERATION_KEY).catch(unavailable);
            return;
          }
          const entry = pending.get(requestContext);
          if (!entry) return;
          // Only complete answers are kept or shared: one with a degraded subgraph's nulls is not.
          if (errors?.length || !data) return entry.settle(null);
          // Serialised only for someone: a request waiting on this one, or the cache.
          const text = entry.store || (entry.flight?.waiters ?? 0) > 0 ? JSON.stringify({ data }) : null;
          entry.settle(text);
          // Stored under the generation read before execution: a write meanwhile makes this entry dead at once.
          if (entry.store && text) await redis.set(entry.entryKey, text, 'EX', options.ttlSeconds).catch(unavailable);
        },
      };
    },
  };
}
