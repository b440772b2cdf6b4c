import { DISPOSABLE_STACK_ENV, startStack, type Stack } from '@shopcart/stack';

/**
 * Every subgraph and the router as separate processes on free ports, as
 * `npm start` runs them, against the test run's stores with databases and a
 * Redis key prefix of their own. Any one service can be stopped with a real
 * signal and started again on its port, which is what failure tests need.
 */
export type ProcessStack = Stack;

export interface ProcessStackOptions {
  mongoUrl: string;
  redisUrl: string;
  /** Demo products seeded before the services start (0: none). */
  seedProducts?: number;
  /** Variables for every service (e.g. NODE_ENV, LOG_LEVEL). */
  env?: Record<string, string>;
  /** Variables for the router only (timeouts, breaker, limits). */
  routerEnv?: Record<string, string>;
}

export function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  return startStack({
    stores: { mongoUrl: options.mongoUrl, redisUrl: options.redisUrl },
    namespace: 'stack',
    seedProducts: options.seedProducts || undefined,
    env: { ...DISPOSABLE_STACK_ENV, ...options.env },
    routerEnv: options.routerEnv,
    // Within a test hook's time, even when a process does not drain.
    stopGraceMs: 5_000,
  });
}
