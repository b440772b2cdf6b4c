import { baseEnvSchema, EnvError, loadEnv, pemString, refuseDevelopmentDefaults, serviceEnvFields } from '@shopcart/kit';
import { z } from 'zod';
import { PROVIDER_NAMES, type ProviderName } from './providers/names.js';

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const paymentsEnvSchema = baseEnvSchema.extend({
  ...serviceEnvFields,
  PORT: z.coerce.number().int().min(0).max(65535).default(4006),
  PAYMENTS_MONGODB_URL: z.string().optional(),
  MONGODB_URL: z.string().default('mongodb://127.0.0.1:27017'),
  PAYMENTS_DB_NAME: z.string().default('shopcart_payments'),
  PAYMENTS_REDIS_URL: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),
  /** Verifies identity forwarded by the router (SPKI PEM). */
  ROUTER_PUBLIC_KEY: pemString,
  /** Which provider charges cards. Development defaults to the built-in test provider; production must name one. */
  PAYMENT_PROVIDER: z.enum(PROVIDER_NAMES).optional(),
  /** Lets production run the test provider, for a demo that must never move real money. */
  PAYMENT_ALLOW_TEST_PROVIDER: booleanFlag.default(false),
  /** How long one provider call may take before the charge counts as unknown (PAYMENT_PROVIDER_UNAVAILABLE). */
  PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
  /** Development only: the test provider answers this late, after it has recorded the charge. */
  TEST_PROVIDER_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  /** For tests and benchmarks that count database round trips. */
  MONGO_MONITOR_COMMANDS: booleanFlag.default(false),
});

export type PaymentsEnv = z.infer<typeof paymentsEnvSchema> & { mongoUrl: string; redisUrl: string; paymentProvider: ProviderName };

export function loadPaymentsEnv(source: Record<string, string | undefined> = process.env): PaymentsEnv {
  const env = loadEnv(paymentsEnvSchema, source);
  // A production deploy states its provider: a forgotten variable must not quietly mean "test".
  refuseDevelopmentDefaults(env, [['PAYMENT_PROVIDER', env.PAYMENT_PROVIDER, undefined]]);
  if (env.NODE_ENV === 'production') {
    const problems: string[] = [];
    if (env.PAYMENT_PROVIDER === 'test' && !env.PAYMENT_ALLOW_TEST_PROVIDER) {
      problems.push('PAYMENT_PROVIDER: the test provider charges nothing; production refuses it unless PAYMENT_ALLOW_TEST_PROVIDER=true');
    }
    if (env.TEST_PROVIDER_DELAY_MS !== 0) problems.push('TEST_PROVIDER_DELAY_MS: development only; unset it in production');
    if (problems.length > 0) throw new EnvError(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
  return {
    ...env,
    mongoUrl: env.PAYMENTS_MONGODB_URL ?? env.MONGODB_URL,
    redisUrl: env.PAYMENTS_REDIS_URL ?? env.REDIS_URL,
    paymentProvider: env.PAYMENT_PROVIDER ?? 'test',
  };
}
