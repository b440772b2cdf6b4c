import { baseEnvSchema, loadSubgraphEnv, pemString, refuseDevelopmentDefaults, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';

export const DEV_ADMIN_EMAIL = 'admin@shopcart.dev';
export const DEV_ADMIN_PASSWORD = 'shopcart-admin';

export const usersEnvSchema = baseEnvSchema.extend({
  // Before the shared fields: a message about missing keys names the signing key first.
  /** Signs access tokens (EdDSA, PKCS#8 PEM); only this service holds it. */
  ACCESS_TOKEN_PRIVATE_KEY: pemString,
  ...subgraphEnvFields('users', { port: 4001, database: 'shopcart_users' }),
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

export type UsersEnv = SubgraphEnv<typeof usersEnvSchema> & { adminEmail: string; adminPassword: string };

export function loadUsersEnv(source: Record<string, string | undefined> = process.env): UsersEnv {
  const env = loadSubgraphEnv('users', usersEnvSchema, source);
  refuseDevelopmentDefaults(env, [
    ['ADMIN_EMAIL', env.ADMIN_EMAIL, DEV_ADMIN_EMAIL],
    ['ADMIN_PASSWORD', env.ADMIN_PASSWORD, DEV_ADMIN_PASSWORD],
  ]);
  return {
    ...env,
    adminEmail: env.ADMIN_EMAIL ?? DEV_ADMIN_EMAIL,
    adminPassword: env.ADMIN_PASSWORD ?? DEV_ADMIN_PASSWORD,
  };
}
