/**
 * The providers this build can charge through, by the name PAYMENT_PROVIDER
 * takes and payments records on every charge. A new provider adds its name
 * here and its factory in registry.ts.
 */
export const PROVIDER_NAMES = ['test'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];
