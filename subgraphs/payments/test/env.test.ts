import { describe, expect, it } from 'vitest';
import { loadPaymentsEnv } from '../src/env.js';

const keys = { ROUTER_PUBLIC_KEY: 'public' };
const production = { ...keys, NODE_ENV: 'production' };

describe('payments configuration', () => {
  it('has development defaults for everything but the router key, with the test provider', () => {
    expect(loadPaymentsEnv({ ...keys })).toMatchObject({
      PORT: 4006,
      PAYMENTS_DB_NAME: 'shopcart_payments',
      paymentProvider: 'test',
      PAYMENT_ALLOW_TEST_PROVIDER: false,
      PAYMENT_PROVIDER_TIMEOUT_MS: 10_000,
      TEST_PROVIDER_DELAY_MS: 0,
      MONGO_MONITOR_COMMANDS: false,
      mongoUrl: 'mongodb://127.0.0.1:27017',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('requires the router key and names what is missing', () => {
    expect(() => loadPaymentsEnv({})).toThrowError(/ROUTER_PUBLIC_KEY/);
  });

  it('prefers the per-service store URLs', () => {
    const env = loadPaymentsEnv({ ...keys, MONGODB_URL: 'mongodb://shared', PAYMENTS_MONGODB_URL: 'mongodb://own', REDIS_URL: 'redis://shared', PAYMENTS_REDIS_URL: 'redis://own' });
    expect(env.mongoUrl).toBe('mongodb://own');
    expect(env.redisUrl).toBe('redis://own');
  });

  it('refuses a provider this build does not have, naming the variable', () => {
    expect(() => loadPaymentsEnv({ ...keys, PAYMENT_PROVIDER: 'stripe' })).toThrowError(/PAYMENT_PROVIDER/);
  });

  it('refuses timeouts and delays that are not whole milliseconds in range, naming each', () => {
    expect(() => loadPaymentsEnv({ ...keys, PAYMENT_PROVIDER_TIMEOUT_MS: '0', TEST_PROVIDER_DELAY_MS: 'slow' })).toThrowError(
      /PAYMENT_PROVIDER_TIMEOUT_MS[\s\S]*TEST_PROVIDER_DELAY_MS/,
    );
  });

  describe('in production', () => {
    it('requires PAYMENT_PROVIDER to be set: no default provider', () => {
      expect(() => loadPaymentsEnv(production)).toThrowError(/PAYMENT_PROVIDER: must be set/);
    });

    it('refuses the test provider unless PAYMENT_ALLOW_TEST_PROVIDER=true', () => {
      expect(() => loadPaymentsEnv({ ...production, PAYMENT_PROVIDER: 'test' })).toThrowError(/PAYMENT_PROVIDER: the test provider[\s\S]*PAYMENT_ALLOW_TEST_PROVIDER=true/);
      expect(() => loadPaymentsEnv({ ...production, PAYMENT_PROVIDER: 'test', PAYMENT_ALLOW_TEST_PROVIDER: 'false' })).toThrowError(/PAYMENT_PROVIDER/);
      expect(() => loadPaymentsEnv({ ...production, PAYMENT_PROVIDER: 'test', PAYMENT_ALLOW_TEST_PROVIDER: 'yes' })).toThrowError(/PAYMENT_ALLOW_TEST_PROVIDER/);
      expect(loadPaymentsEnv({ ...production, PAYMENT_PROVIDER: 'test', PAYMENT_ALLOW_TEST_PROVIDER: 'true' }).paymentProvider).toBe('test');
    });

    it('refuses TEST_PROVIDER_DELAY_MS', () => {
      expect(() => loadPaymentsEnv({ ...production, PAYMENT_PROVIDER: 'test', PAYMENT_ALLOW_TEST_PROVIDER: 'true', TEST_PROVIDER_DELAY_MS: '500' })).toThrowError(
        /TEST_PROVIDER_DELAY_MS: development only/,
      );
    });
  });
});
