import { graphqlError, type Redis } from '@shopcart/kit';

export interface LoginThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

const accountKey = (email: string) => `users:login-failures:account:${email}`;
const ipKey = (ip: string) => `users:login-failures:ip:${ip}`;

// Check and count in one atomic step: with a separate check and a later
// increment, a burst of concurrent logins all passed the check before any
// failure was recorded, so one burst got far more than `limit` guesses.
// KEYS: account key, then the IP key if known; ARGV: their limits, then the window.
// NX: the window starts at the first attempt and is not extended by later ones.
const RESERVE_ATTEMPT = `
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i]) then
    return redis.call('TTL', key)
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[#ARGV], 'NX')
end
return -3`;

// A successful login clears the account's count and hands back the IP's reserved attempt.
const RELEASE_ATTEMPT = `
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0`;

/**
 * Failed logins are counted in Redis (shared by every users replica) per
 * account and per client IP; past a limit, login answers RATE_LIMITED until
 * the window ends, before any password is checked. Each attempt is counted
 * as a failure up front and given back when it succeeds.
 */
export function createLoginThrottle(redis: Redis, limits: LoginThrottleLimits) {
  const keysOf = (email: string, ip: string | null) => [accountKey(email), ...(ip ? [ipKey(ip)] : [])];
  return {
    async reserveAttempt(email: string, ip: string | null): Promise<void> {
      const keys = keysOf(email, ip);
      const bounds = [limits.perAccount, limits.perIp].slice(0, keys.length);
      const ttl = Number(await redis.eval(RESERVE_ATTEMPT, keys.length, ...keys, ...bounds, limits.windowSeconds));
      if (ttl === -3) return;
      const retryAfter = ttl > 0 ? ttl : limits.windowSeconds;
      throw graphqlError('RATE_LIMITED', `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, { retryAfter });
    },
    async recordSuccess(email: string, ip: string | null): Promise<void> {
      const keys = keysOf(email, ip);
      await redis.eval(RELEASE_ATTEMPT, keys.length, ...keys);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
