import type { Connection } from 'mongoose';
import type { PaymentsEnv } from '../env.js';
import type { ProviderName } from './names.js';
import type { PaymentProvider } from './provider.js';
import { createTestProvider } from './sandbox.js';

/** What a provider factory may use: its configuration and, for a provider that keeps a ledger, the database. */
export interface ProviderContext {
  env: PaymentsEnv;
  connection: Connection;
}

/**
 * The one place a provider is chosen. A second provider implements
 * PaymentProvider in its own file here, adds its name to names.ts and its
 * factory below, and reads its own settings (API keys) from env.ts.
 */
const FACTORIES: Record<ProviderName, (context: ProviderContext) => Promise<PaymentProvider>> = {
  test: ({ env, connection }) => createTestProvider(connection, { delayMs: env.TEST_PROVIDER_DELAY_MS }),
};

export function createProvider(name: ProviderName, context: ProviderContext): Promise<PaymentProvider> {
  return FACTORIES[name](context);
}
