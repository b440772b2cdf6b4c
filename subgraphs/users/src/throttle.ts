import { createHash } from 'node:crypto';
import { graphqlError, type Redis } from '@shopcart/kit';

export interface LoginThrottleLimits {
  /** Failures for one account from one client, per `windowSeconds`. */
  perClientAccount: number;
  /** Failures for one account from every client together, per `accountWindowSeconds`. */
  perAccount: number;
  /** Failures from one client over every account, per `windowSeconds`. */
  perClient: number;
  windowSeconds: number;
  accountWindowSeconds: number;
  /** How long a client that signed in to an account stays known to it. */
  knownClientSeconds: number;
}

// The addresses an account has signed in from that it remembers; the oldest go first.
// Bounds the set for accounts used from ever-changing (mobile) addresses.
const KNOWN_CLIENTS_PER_ACCOUNT = 20;

const clientAccountKey = (client: string, email: string) => `users:login-failures:client-account:${client}:${email}`;
const accountKey = (email: string) => `users:login-failures:account:${email}`;
const clientKey = (client: string) => `users:login-failures:client:${client}`;
const knownClientsKey = (email: string) => `users:login-known-clients:${email}`;

/**
 * A client is its address as the router saw it. Hashed: the known-client set
 * lives for weeks, and a hash keeps a readable history of a customer's
 * addresses out of Redis dumps (it is no secret from someone who hashes the
 * IPv4 space). Fixed length without ':', it also keeps composite keys unambiguous.
 * Without an address (a service calling directly) every caller is one client,
 * as the router's limits treat them.
 */
const clientOf = (ip: string | null) => createHash('sha256').update(ip ?? 'unknown').digest('base64url').slice(0, 22);

// Check and count in one atomic step: with a separate check and a later
// increment, a burst of concurrent logins all passed the check before any
// failure was recorded, so one burst got far more than the limit in guesses.
// KEYS: client+account, account and client failure counters, the account's known clients.
// ARGV: the client, now (seconds), the three limits, then the three windows.
// NX: a window starts at the first attempt and is not extended by later ones.
const RESERVE_ATTEMPT = `
local known = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[1]) or '0') > tonumber(ARGV[2])
for i = 1, 3 do
  -- The account-wide limit is there for guesses spread over many clients and anyone can
  -- fill it; a client that has signed in before is held by its own limits only.
  if not (i == 2 and known) and tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i + 2]) then
    return redis.call('TTL', KEYS[i])
  end
end
for i = 1, 3 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[i + 5], 'NX')
end
return -3`;

// A successful login clears this client's failures for the account, hands back the
// attempt it reserved on the other two counters (clearing the account-wide one would
// give guessers elsewhere a fresh budget whenever the owner signs in) and remembers
// the client. ARGV: the client, now, how long it stays known, how many are kept.
const RELEASE_ATTEMPT = `
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('DECR', KEYS[i]) end
end
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[4], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -1 - tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[4], ttl)
return 0`;

/**
 * Failed logins are counted in Redis (shared by every users replica); past a
 * limit, login answers RATE_LIMITED until the window ends, before any password
 * is checked. Three counters, so that guessing from one place cannot lock the
 * owner out from another:
 * - per client and account: the client that guessed waits, the owner elsewhere does not;
 * - per account, higher and slower: bounds guessing spread over many addresses,
 *   except for clients that have signed in to the account before;
 * - per client over all accounts: bounds one address trying many accounts.
 * Each attempt is counted as a failure up front and given back when it succeeds.
 */
export function createLoginThrottle(redis: Redis, limits: LoginThrottleLimits) {
  const keysOf = (email: string, client: string) => [clientAccountKey(client, email), accountKey(email), clientKey(client), knownClientsKey(email)];
  const now = () => Math.floor(Date.now() / 1000);
  return {
    async reserveAttempt(email: string, ip: string | null): Promise<void> {
      const client = clientOf(ip);
      const bounds = [limits.perClientAccount, limits.perAccount, limits.perClient];
      const windows = [limits.windowSeconds, limits.accountWindowSeconds, limits.windowSeconds];
      const ttl = Number(await redis.eval(RESERVE_ATTEMPT, 4, ...keysOf(email, client), client, now(), ...bounds, ...windows));
      if (ttl === -3) return;
      // Shaped as the router's own refusal: RATE_LIMITED, retryAfter in seconds, and
      // (kit withRouterStatus) HTTP 429 from the router.
      const retryAfter = ttl > 0 ? ttl : limits.windowSeconds;
      throw graphqlError('RATE_LIMITED', `Too many failed sign-in attempts; try again in ${retryAfter} seconds`, { retryAfter });
    },
    async recordSuccess(email: string, ip: string | null): Promise<void> {
      const client = clientOf(ip);
      await redis.eval(RELEASE_ATTEMPT, 4, ...keysOf(email, client), client, now(), limits.knownClientSeconds, KNOWN_CLIENTS_PER_ACCOUNT);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
