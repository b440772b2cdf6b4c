import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis };

/**
 * ioredis tuned to fail fast: a command waits at most commandTimeout, is
 * retried once after a reconnect, and is refused outright while disconnected
 * (no unbounded offline queue), so callers can answer SERVICE_UNAVAILABLE.
 */
export function connectRedis(url: string, logger: Logger, name = 'shopcart', keyPrefix = '', options: { autoPipelining?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: options.autoPipelining ?? false,
    connectionName: name,
    // Lets several deployments (or test runs) share one Redis without colliding.
    keyPrefix,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis error'));
  return redis;
}

export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const ready = () => {
      clearTimeout(timer);
      resolve();
    };
    // A timed-out wait takes its listener with it: waits repeated through a long outage must not pile up.
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      reject(new Error('redis not ready in time'));
    }, timeoutMs);
    redis.once('ready', ready);
  });
}

export async function pingRedis(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
