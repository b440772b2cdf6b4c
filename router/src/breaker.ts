import type { Logger, RouterMetrics } from '@shopcart/kit';
import CircuitBreaker from 'opossum';

export interface BreakerOptions {
  /** Failure percentage within the window above which the breaker opens. */
  errorPercent: number;
  /** Calls within the window before the percentage counts at all. */
  minRequests: number;
  windowMs: number;
  /** How long the breaker stays open before one probe call is let through. */
  resetMs: number;
}

export type SubgraphBreaker<A extends unknown[], R> = CircuitBreaker<A, R>;

const STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;

/**
 * One opossum circuit breaker per subgraph. Closed, calls pass; when too
 * many fail it opens and every call is refused at once (EOPENBREAKER), so a
 * dead or hanging subgraph costs its callers nothing; after resetMs it lets
 * a single probe through (half-open) and closes again when that succeeds,
 * so traffic resumes without a restart. Timeouts are the caller's (an
 * AbortSignal that really ends the request), not opossum's.
 */
export function createSubgraphBreaker<A extends unknown[], R>(
  name: string,
  call: (...args: A) => Promise<R>,
  options: BreakerOptions,
  metrics: RouterMetrics,
  logger: Logger,
  classify: { isHealthy: (err: unknown, ...args: A) => boolean },
): SubgraphBreaker<A, R> {
  const breaker = new CircuitBreaker<A, R>(call, {
    name,
    timeout: false,
    errorThresholdPercentage: options.errorPercent,
    volumeThreshold: options.minRequests,
    rollingCountTimeout: options.windowMs,
    resetTimeout: options.resetMs,
    errorFilter: (err: unknown, ...args: unknown[]) => classify.isHealthy(err, ...(args as A)),
  });
  const gauge = metrics.breakerState;
  gauge.set({ subgraph: name }, STATE_VALUE.closed);
  breaker.on('open', () => {
    gauge.set({ subgraph: name }, STATE_VALUE.open);
    logger.warn({ subgraph: name, retryInMs: options.resetMs }, 'subgraph circuit opened: failing fast');
  });
  breaker.on('halfOpen', () => {
    gauge.set({ subgraph: name }, STATE_VALUE.halfOpen);
    logger.info({ subgraph: name }, 'subgraph circuit half-open: probing');
  });
  breaker.on('close', () => {
    gauge.set({ subgraph: name }, STATE_VALUE.closed);
    logger.info({ subgraph: name }, 'subgraph circuit closed: calls resume');
  });
  return breaker;
}
