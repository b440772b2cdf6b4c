import { createHash } from 'node:crypto';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import type { RouterContext } from './context.js';

type Options = GraphQLDataSourceProcessOptions<RouterContext>;
type Entity = Record<string, unknown>;

export interface EntityCacheOptions {
  /** How long an entity is served from memory at most; 0 turns the cache off. */
  ttlSeconds: number;
  /** Entities kept per router process at most (least recently used go first). */
  maxEntries: number;
}

export interface EntityCache {
  /**
   * Answers an entity fetch from memory where it can, asking the subgraph
   * (through `fetch`) only for the representations it has not got; null
   * when this fetch may not be cached at all.
   */
  resolve(subgraph: string, options: Options, fetch: (options: Options) => Promise<GatewayGraphQLResponse>): Promise<GatewayGraphQLResponse> | null;
}

/**
 * Entity caching for anonymous catalog reads: the entities a subgraph
 * resolves for another's results (a variant's stock for a page of
 * products) are kept in this process's memory, keyed by the fetch's query,
 * its other variables and the entity's representation, so a page of new
 * products whose variants were seen before asks their subgraph nothing.
 *
 * The same rules as the response cache hold, because the generation comes
 * from it: only operations it would cache (anonymous, catalog root fields)
 * use this cache; an entry lives ttlSeconds at most; and a catalog or stock
 * write through any router replica starts a new generation, under which
 * every entry cached before is never read again. Entities answered with an
 * error are not kept.
 */
export function createEntityCache(options: EntityCacheOptions, registry: Registry): EntityCache {
  const lookups = new Counter({
    name: 'router_entity_cache_lookups_total',
    help: 'Entities asked for by cacheable operations, by result: hit or miss',
    labelNames: ['subgraph', 'result'] as const,
    registers: [registry],
  });
  // Entries are JSON text: the gateway merges later fetches into the entity objects it is given, so each request gets its own copies.
  const cache = new LRUCache<string, string>({ max: Math.max(1, options.maxEntries), ttl: options.ttlSeconds * 1000, ttlAutopurge: false });

  return {
    resolve(subgraph, processOptions, fetch) {
      const context = 'context' in processOptions ? processOptions.context : undefined;
      const generation = context?.cacheGeneration;
      const { representations, ...otherVariables } = processOptions.request.variables ?? {};
      if (options.ttlSeconds <= 0 || generation === undefined || !Array.isArray(representations)) return null;
      // The fetch's query and other variables as a short digest: keys stay small however large the selection.
      const fetchKey = createHash('sha1').update(`${subgraph}\u0000${processOptions.request.query}\u0000${JSON.stringify(otherVariables)}`).digest('base64url');
      const prefix = `${generation}:${fetchKey}:`;
      const keys = representations.map((representation) => prefix + JSON.stringify(representation));
      const texts = keys.map((key) => cache.get(key));
      const missing = keys.flatMap((_, index) => (texts[index] === undefined ? [index] : []));
      // One parse for every hit, with null standing in for the misses.
      const entities = JSON.parse(`[${texts.map((text) => text ?? 'null').join(',')}]`) as Array<Entity | null>;
      if (representations.length > missing.length) lookups.inc({ subgraph, result: 'hit' }, representations.length - missing.length);
      if (missing.length === 0) return Promise.resolve({ data: { _entities: entities } });
      lookups.inc({ subgraph, result: 'miss' }, missing.length);

      const subset: Options = {
        ...processOptions,
        request: { ...processOptions.request, variables: { ...otherVariables, representations: missing.map((index) => representations[index]) } },
      };
      return fetch(subset).then((response) => {
        // Errors name the position within the subset; the gateway expects the position in its own list.
        const failed = new Set<number>();
        let wholeFetchFailed = false;
        const errors = response.errors?.map((error) => {
          const path = error.path;
          if (path?.[0] !== '_entities' || typeof path[1] !== 'number') {
            wholeFetchFailed = true;
            return error;
          }
          failed.add(path[1]);
          return { ...error, path: ['_entities', missing[path[1]] ?? path[1], ...path.slice(2)] };
        });
        const fetched = (response.data as { _entities?: unknown } | null | undefined)?._entities;
        if (Array.isArray(fetched) && fetched.length === missing.length) {
          fetched.forEach((entity, position) => {
            const index = missing[position]!;
            entities[index] = (entity as Entity | null) ?? null;
            if (entity && !wholeFetchFailed && !failed.has(position)) cache.set(keys[index]!, JSON.stringify(entity));
          });
        }
        // What was cached is served even when the subgraph failed for the rest.
        return { ...response, data: { ...(response.data ?? {}), _entities: entities }, ...(errors ? { errors } : {}) };
      });
    },
  };
}
