import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { configOrExit, createLogger, loadEnv, runService } from '@shopcart/kit';
import { z } from 'zod';
import { loadRouterEnv } from './env.js';

/**
 * The router on every core of its machine: ROUTER_WORKERS processes share
 * one port (Node's cluster hands each connection to a worker in turn). One
 * event loop is what bounds a single router process; workers share
 * nothing in memory, and what replicas must agree on (rate limits,
 * persisted queries, cached responses) already lives in Redis. A worker
 * that dies is replaced; SIGTERM drains every worker.
 */
const clusterEnvSchema = z.object({
  ROUTER_WORKERS: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
});

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const env = configOrExit(() => ({ ...loadRouterEnv(), ...loadEnv(clusterEnvSchema) }));
const logger = createLogger('router', env.LOG_LEVEL);

if (cluster.isPrimary && env.ROUTER_WORKERS > 1) {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < env.ROUTER_WORKERS; i += 1) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'router worker exited; starting another');
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  logger.info({ workers: env.ROUTER_WORKERS }, 'router cluster started');
} else {
  // Loaded only in workers: the primary only hands out connections, and stays small.
  const { createRouter } = await import('./server.js');
  // Workers share the metrics port as they share PORT: a scrape reads the one worker it reaches.
  await runService({ name: 'router', logger, env, start: () => createRouter(env, logger) });
}
