import { requestError, sessionEndedKey, sessionVersionKey, type Logger, type Redis } from '@shopcart/kit';
import type { AccessTokenVerifier } from './auth.js';

/**
 * A verified access token still has to belong to a live sign-in: users
 * marks a signed-out (or leaked) session and raises an account's session
 * version when its role changes (kit sessions.ts), and a token from before
 * is refused on the next request instead of when it expires, up to 15
 * minutes later. One Redis read per signed-in request, none for anonymous
 * ones (catalog pages). If Redis cannot answer, the token's own checks
 * stand: signing everyone out during a Redis outage would be worse, and the
 * token expires on its own.
 */
export function checkingSessions(verify: AccessTokenVerifier, redis: Redis, logger: Logger): AccessTokenVerifier {
  return async (authorization) => {
    const identity = await verify(authorization);
    if (!identity.userId) return identity;
    const keys = [sessionVersionKey(identity.userId), ...(identity.sessionId ? [sessionEndedKey(identity.sessionId)] : [])];
    let found: Array<string | null>;
    try {
      found = await redis.mget(...keys);
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'session check skipped: Redis unavailable');
      return identity;
    }
    const [version = null, ended = null] = found;
    if (ended) throw requestError('UNAUTHENTICATED', 'This session has ended; sign in again');
    if (version !== null && Number(version) > (identity.sessionVersion ?? 0)) {
      throw requestError('UNAUTHENTICATED', 'Access token is out of date; refresh it');
    }
    return identity;
  };
}
