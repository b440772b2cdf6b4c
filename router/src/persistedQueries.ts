import { ErrorsAreMissesCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Logger, Redis } from '@shopcart/kit';

/**
 * Apollo's KeyValueCache over the router's own ioredis connection, so
 * automatic persisted queries registered on one replica are found on every
 * other, with the kit's fail-fast client settings and REDIS_KEY_PREFIX. No
 * entry lives longer than maxTtlSeconds, whatever a caller asks for.
 */
export class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxTtlSeconds: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = Math.min(options?.ttl ?? this.maxTtlSeconds, this.maxTtlSeconds);
    await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(ttl)));
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(this.prefix + key)) > 0;
  }
}

/**
 * Apollo Server's persistedQueries option. A Redis failure reads as a miss
 * (the client then sends the full query, which is served), never as a
 * failed request.
 */
export function persistedQueries(redis: Redis, ttlSeconds: number, logger: Logger) {
  const warn = (message: string) => logger.warn({ err: message }, 'persisted query cache unavailable');
  const apolloLogger = { debug: () => {}, info: () => {}, warn, error: warn };
  return {
    cache: new ErrorsAreMissesCache(new RedisKeyValueCache(redis, 'router:', ttlSeconds), apolloLogger),
    ttl: ttlSeconds,
  };
}
