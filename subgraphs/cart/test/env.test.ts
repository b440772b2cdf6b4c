import { describe, expect, it } from 'vitest';
import { loadCartEnv } from '../src/env.js';

const keys = { ROUTER_PUBLIC_KEY: 'public' };

describe('cart configuration', () => {
  it('has development defaults for everything but the router key', () => {
    expect(loadCartEnv({ ...keys })).toMatchObject({
      PORT: 4004,
      GUEST_CART_TTL_DAYS: 30,
      CATALOG_CURRENCY: 'USD',
      CATALOG_TIMEOUT_MS: 2_000,
      CART_CATALOG_CACHE_TTL_MS: 60_000,
      CART_CATALOG_CACHE_ENTRIES: 100_000,
      PRODUCTS_URL: 'http://127.0.0.1:4002/graphql',
      INVENTORY_URL: 'http://127.0.0.1:4003/graphql',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('requires the router key and names what is missing', () => {
    expect(() => loadCartEnv({})).toThrowError(/ROUTER_PUBLIC_KEY/);
  });

  it('refuses a bad expiry, currency or catalog timeout, naming each', () => {
    expect(() => loadCartEnv({ ...keys, GUEST_CART_TTL_DAYS: '0' })).toThrowError(/GUEST_CART_TTL_DAYS/);
    expect(() => loadCartEnv({ ...keys, CATALOG_CURRENCY: 'dollars' })).toThrowError(/CATALOG_CURRENCY/);
    expect(() => loadCartEnv({ ...keys, CATALOG_TIMEOUT_MS: '10' })).toThrowError(/CATALOG_TIMEOUT_MS/);
    expect(() => loadCartEnv({ ...keys, PRODUCTS_URL: 'products' })).toThrowError(/PRODUCTS_URL/);
    expect(() => loadCartEnv({ ...keys, CART_CATALOG_CACHE_TTL_MS: '-1' })).toThrowError(/CART_CATALOG_CACHE_TTL_MS/);
    expect(() => loadCartEnv({ ...keys, CART_CATALOG_CACHE_ENTRIES: '0' })).toThrowError(/CART_CATALOG_CACHE_ENTRIES/);
  });

  it('turns the catalog cache off with a TTL of 0', () => {
    expect(loadCartEnv({ ...keys, CART_CATALOG_CACHE_TTL_MS: '0' }).CART_CATALOG_CACHE_TTL_MS).toBe(0);
  });

  it('in production refuses to start without its own service key', () => {
    expect(() => loadCartEnv({ ...keys, NODE_ENV: 'production' })).toThrowError(/SERVICE_PRIVATE_KEY/);
  });

  it('prefers its own Redis URL', () => {
    expect(loadCartEnv({ ...keys, REDIS_URL: 'redis://shared', CART_REDIS_URL: 'redis://own' }).redisUrl).toBe('redis://own');
  });
});
