import { graphqlError, type Redis } from '@shopcart/kit';

export interface LoginThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

const accountKey = (email: string) => `users:login-failures:account:${email}`;
const ipKey = (ip: string) => `users:login-failures:ip:${ip}`;

/**
 * Failed logins are counted in Redis (shared by every users replica) per
 * account and per client IP; past a limit, login answers RATE_LIMITED until
 * the window ends, before any password is checked.
 */
export function createLoginThrottle(redis: Redis, limits: LoginThrottleLimits) {
  return {
    async assertAllowed(email: string, ip: string | null): Promise<void> {
      const keys = [accountKey(email), ...(ip ? [ipKey(ip)] : [])];
      const counts = await redis.mget(...keys);
      const accountBlocked = Number(counts[0] ?? 0) >= limits.perAccount;
      const ipBlocked = ip ? Number(counts[1] ?? 0) >= limits.perIp : false;
      if (!accountBlocked && !ipBlocked) return;
      const ttl = await redis.ttl(accountBlocked ? keys[0]! : keys[1]!);
      const retryAfter = ttl > 0 ? ttl : limits.windowSeconds;
      throw graphqlError('RATE_LIMITED', `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, { retryAfter });
    },
    async recordFailure(email: string, ip: string | null): Promise<void> {
      const tx = redis.multi();
      for (const key of [accountKey(email), ...(ip ? [ipKey(ip)] : [])]) {
        tx.incr(key);
        // NX: the window starts at the first failure and is not extended by later ones.
        tx.expire(key, limits.windowSeconds, 'NX');
      }
      await tx.exec();
    },
    async recordSuccess(email: string): Promise<void> {
      await redis.del(accountKey(email));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
