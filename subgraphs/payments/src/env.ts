import { baseEnvSchema, booleanFlag, EnvError, loadSubgraphEnv, refuseDevelopmentDefaults, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';
import { PROVIDER_NAMES, type ProviderName } from './providers/names.js';

export const paymentsEnvSchema = baseEnvSchema.extend({
  ...subgraphEnvFields('payments', { port: 4006, database: 'shopcart_payments' }),
  /** Which provider charges cards. Development defaults to the built-in test provider; production must name one. */
  PAYMENT_PROVIDER: z.enum(PROVIDER_NAMES).optional(),
  /** Lets production run the test provider, for a demo that must never move real money. */
  PAYMENT_ALLOW_TEST_PROVIDER: booleanFlag.default(false),
  /** How long one provider call may take before the charge counts as unknown (PAYMENT_PROVIDER_UNAVAILABLE). */
  PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(10).max(120_000).default(10_000),
  /** Development only: the test provider answers this late, after it has recorded the charge. */
  TEST_PROVIDER_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});

export type PaymentsEnv = SubgraphEnv<typeof paymentsEnvSchema> & { paymentProvider: ProviderName };

export function loadPaymentsEnv(source: Record<string, string | undefined> = process.env): PaymentsEnv {
  const env = loadSubgraphEnv('payments', paymentsEnvSchema, source);
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
  return { ...env, paymentProvider: env.PAYMENT_PROVIDER ?? 'test' };
}
