import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { Logger, Redis, RouterMetrics } from '@shopcart/kit';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RouterContext } from './context.js';

export interface RateLimitOptions {
  windowSeconds: number;
  perIp: number;
  perUser: number;
  authPerIp: number;
  authWindowSeconds: number;
}

/**
 * Root fields that take a password or create an account: their budget is
 * stricter and counts each occurrence, so aliases cannot batch guesses. They
 * are recognised by field, never by the operation name the client picks.
 * A mutation taking a password that is missing here fails root-field-lists.test.ts.
 */
export const AUTH_ROOT_FIELDS = new Set(['login', 'register']);

type Scope = 'ip' | 'user' | 'auth';

interface Budget {
  points: number;
  shared: RateLimiterAbstract | RLWrapperTimeouts;
  local: RateLimiterMemory;
}

interface Waiter {
  points: number;
  resolve: (res: RateLimiterRes) => void;
  reject: (reason: unknown) => void;
}

// A Redis that is slow rather than down must not stall every request.
const SHARED_TIMEOUT_MS = 250;

/**
 * Rate limits kept in Redis (rate-limiter-flexible), so every router replica
 * draws on one budget: per client address, per signed-in user, and a
 * stricter one for login/register per client address. Over budget, the
 * operation is refused before any subgraph is called: HTTP 429, a
 * Retry-After header and a RATE_LIMITED error with retryAfter (seconds).
 *
 * When Redis cannot answer (down, or slower than 250 ms) each replica falls
 * back to the same limits in its own memory and logs a warning: requests
 * never wait on Redis, and limits still hold per replica (a client spread
 * over N replicas gets up to N times its budget until Redis is back).
 */
export function rateLimitPlugin(redis: Redis, options: RateLimitOptions, metrics: RouterMetrics, logger: Logger): ApolloServerPlugin<RouterContext> {
  const budget = (keyPrefix: string, points: number, duration: number): Budget => ({
    points,
    shared: new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true }),
      timeoutMs: SHARED_TIMEOUT_MS,
    }),
    local: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
  const budgets: Record<Scope, Budget> = {
    ip: budget('router-rl-ip', options.perIp, options.windowSeconds),
    user: budget('router-rl-user', options.perUser, options.windowSeconds),
    auth: budget('router-rl-auth', options.authPerIp, options.authWindowSeconds),
  };
  let degraded = false;

  // Requests for a key whose Redis call is under way wait for it to return and then share
  // one call for all of their points: a busy client costs one round trip per Redis
  // latency, not one per request (a round trip is ~4% of the router's CPU per request).
  // With Redis slow, such a request waits out the call before it and then its own: at
  // most twice SHARED_TIMEOUT_MS before the fallback answers.
  const calling = new Set<string>();
  const waiting = new Map<string, Waiter[]>();

  function consumeShared(scope: Scope, key: string, points: number): Promise<RateLimiterRes> {
    const id = `${scope}\u0000${key}`;
    return new Promise((resolve, reject) => {
      const waiters = waiting.get(id) ?? [];
      waiters.push({ points, resolve, reject });
      waiting.set(id, waiters);
      if (!calling.has(id)) call(scope, key, id);
    });
  }

  function call(scope: Scope, key: string, id: string): void {
    const waiters = waiting.get(id);
    if (!waiters) return;
    waiting.delete(id);
    calling.add(id);
    const total = waiters.reduce((sum, w) => sum + w.points, 0);
    let answer: Promise<RateLimiterRes>;
    try {
      answer = budgets[scope].shared.consume(key, total);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer
      .then(
        (res) => settle(budgets[scope].points, waiters, total, res),
        (err: unknown) => (err instanceof RateLimiterRes ? settle(budgets[scope].points, waiters, total, err) : waiters.forEach((w) => w.reject(err))),
      )
      .finally(() => {
        calling.delete(id);
        call(scope, key, id);
      });
  }

  async function consume(scope: Scope, key: string, points: number): Promise<RateLimiterRes> {
    const { local } = budgets[scope];
    try {
      const result = await consumeShared(scope, key, points);
      if (degraded) {
        degraded = false;
        logger.info('rate limits are shared through Redis again');
      }
      return result;
    } catch (err) {
      if (err instanceof RateLimiterRes) throw err;
      if (!degraded) {
        degraded = true;
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Redis unavailable: rate limits fall back to this replica alone');
      }
      return local.consume(key, points);
    }
  }

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!operation) return;
          const ip = contextValue.clientIp ?? 'unknown';
          const checks: Array<[Scope, string, number]> = [['ip', ip, 1]];
          if (contextValue.identity.userId) checks.push(['user', contextValue.identity.userId, 1]);
          const authFields = countAuthFields(operation, document);
          if (authFields > 0) checks.push(['auth', ip, authFields]);

          const results = await Promise.allSettled(checks.map(([scope, key, points]) => consume(scope, key, points)));
          let waitMs = 0;
          results.forEach((result, index) => {
            if (result.status === 'fulfilled') return;
            if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
            metrics.rateLimited.inc({ scope: checks[index]![0] });
            waitMs = Math.max(waitMs, result.reason.msBeforeNext);
          });
          if (results.some((r) => r.status === 'rejected')) throw rateLimited(Math.max(1, Math.ceil(waitMs / 1000)));
        },
      };
    },
  };
}

/**
 * Shares one call's answer among the requests it counted, in arrival order, as if each
 * had made its own: Redis counts refused points too, so the one whose points take the
 * count past the budget, and every later one, is refused.
 */
function settle(budget: number, waiters: Waiter[], total: number, res: RateLimiterRes): void {
  let consumed = res.consumedPoints - total;
  for (const waiter of waiters) {
    consumed += waiter.points;
    const own = new RateLimiterRes(Math.max(budget - consumed, 0), res.msBeforeNext, consumed, false);
    if (consumed <= budget) waiter.resolve(own);
    else waiter.reject(own);
  }
}

/**
 * A subgraph's own RATE_LIMITED (users' sign-in throttle) reaches the client
 * as HTTP 429 through its error's extensions, but a header cannot travel
 * that way: this gives such an answer the Retry-After header the router's
 * own refusals carry, from the error's retryAfter.
 */
export function retryAfterHeaderPlugin(): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.http.status !== 429 || response.http.headers.has('retry-after') || response.body.kind !== 'single') return;
          const retryAfter = response.body.singleResult.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED')?.extensions?.retryAfter;
          if (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) response.http.headers.set('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
        },
      };
    },
  };
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError('Too many requests; try again later', {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/** login/register fields at the root of a mutation, through fragments, aliases counted. */
export function countAuthFields(operation: OperationDefinitionNode, document: DocumentNode): number {
  if (operation.operation !== 'mutation') return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
    selectionSet.selections.reduce((sum, selection) => {
      if (selection.kind === Kind.FIELD) return sum + (AUTH_ROOT_FIELDS.has(selection.name.value) ? 1 : 0);
      if (selection.kind === Kind.INLINE_FRAGMENT) return sum + count(selection.selectionSet, seen);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return sum;
      return sum + count(fragment.selectionSet, new Set([...seen, fragment.name.value]));
    }, 0);
  return count(operation.selectionSet, new Set());
}
