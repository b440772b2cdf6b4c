import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadOrdersEnv } from '../src/env.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const base = { ROUTER_PUBLIC_KEY: publicKey };

describe('orders configuration', () => {
  it('has safe development defaults: port 4005, flat shipping 4.99, free from 50.00, keys kept 48 h', () => {
    const env = loadOrdersEnv(base);
    expect(env).toMatchObject({
      PORT: 4005,
      ORDERS_DB_NAME: 'shopcart_orders',
      SHIPPING_FLAT_RATE: 499,
      FREE_SHIPPING_FROM: 5_000,
      IDEMPOTENCY_RETENTION_HOURS: 48,
      RESERVATION_TTL_SECONDS: 900,
      CHECKOUT_RECOVERY_AFTER_MS: 120_000,
      mongoUrl: 'mongodb://127.0.0.1:27017',
    });
    expect(env.ORDERS_CRASH_AT).toBeUndefined();
  });

  it('takes its own store URLs over the shared ones, and amounts as decimal strings', () => {
    const env = loadOrdersEnv({ ...base, MONGODB_URL: 'mongodb://shared', ORDERS_MONGODB_URL: 'mongodb://own', SHIPPING_FLAT_RATE: '0', FREE_SHIPPING_FROM: '99.5' });
    expect(env).toMatchObject({ mongoUrl: 'mongodb://own', SHIPPING_FLAT_RATE: 0, FREE_SHIPPING_FROM: 9_950 });
  });

  it('names every bad variable', () => {
    expect(() => loadOrdersEnv({ ...base, SHIPPING_FLAT_RATE: '4,99', IDEMPOTENCY_RETENTION_HOURS: '12', ORDERS_CRASH_AT: 'sometime' })).toThrow(
      /SHIPPING_FLAT_RATE[\s\S]*IDEMPOTENCY_RETENTION_HOURS|IDEMPOTENCY_RETENTION_HOURS[\s\S]*SHIPPING_FLAT_RATE/,
    );
    expect(() => loadOrdersEnv({ ...base, IDEMPOTENCY_RETENTION_HOURS: '12' })).toThrow(/IDEMPOTENCY_RETENTION_HOURS/);
    expect(() => loadOrdersEnv({ ...base, ORDERS_CRASH_AT: 'sometime' })).toThrow(/ORDERS_CRASH_AT/);
    expect(() => loadOrdersEnv({})).toThrow(/ROUTER_PUBLIC_KEY/);
  });

  it('refuses production without its service key, and fault injection in production', () => {
    const production = { ...base, NODE_ENV: 'production' };
    expect(() => loadOrdersEnv(production)).toThrow(/SERVICE_PRIVATE_KEY/);
    expect(() => loadOrdersEnv({ ...production, SERVICE_PRIVATE_KEY: privateKey, ORDERS_CRASH_AT: 'after-charge' })).toThrow(/ORDERS_CRASH_AT/);
    expect(loadOrdersEnv({ ...production, SERVICE_PRIVATE_KEY: privateKey }).NODE_ENV).toBe('production');
    expect(loadOrdersEnv({ ...base, NODE_ENV: 'test', ORDERS_CRASH_AT: 'after-charge' }).ORDERS_CRASH_AT).toBe('after-charge');
  });
});
