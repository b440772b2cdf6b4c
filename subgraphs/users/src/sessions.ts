import { sessionEndedKey, sessionVersionKey, type Redis } from '@shopcart/kit';

/** Ends access tokens before they expire (kit sessions.ts): what sign-out and a role change tell the router. */
export interface SessionRegistry {
  /** Every access token of this sign-in (refresh token family) stops working. */
  end(sessionId: string): Promise<void>;
  /** Access tokens issued to the account before it reached `version` stop working. */
  raiseVersion(userId: string, version: number): Promise<void>;
}

// Only ever raised: two role changes finishing out of order must not lower it.
const RAISE = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 1`;

export function createSessionRegistry(redis: Redis, accessTokenTtlSeconds: number): SessionRegistry {
  // A minute beyond the access token's life covers clock skew between services.
  const ttl = String(accessTokenTtlSeconds + 60);
  return {
    async end(sessionId) {
      await redis.set(sessionEndedKey(sessionId), '1', 'EX', ttl);
    },
    async raiseVersion(userId, version) {
      await redis.eval(RAISE, 1, sessionVersionKey(userId), String(version), ttl);
    },
  };
}
