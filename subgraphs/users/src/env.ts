import { baseEnvSchema, loadEnv, pemString, refuseDevelopmentDefaults, serviceEnvFields } from '@shopcart/kit';
import { z } from 'zod';

export const DEV_ADMIN_EMAIL = 'admin@shopcart.dev';
export const DEV_ADMIN_PASSWORD = 'shopcart-admin';

export const usersEnvSchema = baseEnvSchema.extend({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  USERS_MONGODB_URL: z.string().optional(),
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017'),
  USERS_DB_NAME: z.string().default('shopcart_users'),
  USERS_REDIS_URL: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  /** Signs access tokens (EdDSA, PKCS#8 PEM); only this service holds it. */
  ACCESS_TOKEN_PRIVATE_KEY: pemString,
  /** Verifies identity forwarded by the router (SPKI PEM). */
  ROUTER_PUBLIC_KEY: pemString,
  /** The cart service, for merging a guest cart at login (its internal mergeGuestCart). */
  CART_URL: z.url().optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().positive().default(30),
  /**
   * For this long after a refresh, presenting the old refresh token again returns
   * the same new one instead of revoking the session (parallel refreshes from two
   * tabs). 0 turns it off; at most a minute, as the old token works that long.
   */
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /** scrypt cost as a power of two (N = 2^cost). */
  PASSWORD_HASH_COST: z.coerce.number().int().min(12).max(20).default(15),
  /** Failed logins for one account from one client address, per LOGIN_FAILURE_WINDOW_SECONDS. */
  LOGIN_MAX_FAILURES_PER_CLIENT: z.coerce.number().int().positive().default(5),
  /** Failed logins from one client address over all accounts, per LOGIN_FAILURE_WINDOW_SECONDS. */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(30),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  /** Failed logins for one account from all clients, per LOGIN_ACCOUNT_FAILURE_WINDOW_SECONDS; known clients pass it. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().positive().default(50),
  LOGIN_ACCOUNT_FAILURE_WINDOW_SECONDS: z.coerce.number().int().positive().default(60 * 60),
  /** A client address that signed in to an account is known to it this long after its last sign-in. */
  LOGIN_KNOWN_CLIENT_DAYS: z.coerce.number().int().positive().default(30),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
});

export type UsersEnv = z.infer<typeof usersEnvSchema> & { mongoUrl: string; redisUrl: string; adminEmail: string; adminPassword: string };

export function loadUsersEnv(source: Record<string, string | undefined> = process.env): UsersEnv {
  const env = loadEnv(usersEnvSchema, source);
  refuseDevelopmentDefaults(env, [
    ['ADMIN_EMAIL', env.ADMIN_EMAIL, DEV_ADMIN_EMAIL],
    ['ADMIN_PASSWORD', env.ADMIN_PASSWORD, DEV_ADMIN_PASSWORD],
  ]);
  return {
    ...env,
    mongoUrl: env.USERS_MONGODB_URL ?? env.MONGODB_URL,
    redisUrl: env.USERS_REDIS_URL ?? env.REDIS_URL,
    adminEmail: env.ADMIN_EMAIL ?? DEV_ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD ?? DEV_ADMIN_PASSWORD,
  };
}
