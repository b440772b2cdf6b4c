import { describe, expect, it } from 'vitest';
import { loadProductsEnv } from '../src/env.js';

const keys = { ROUTER_PUBLIC_KEY: 'public' };

describe('products configuration', () => {
  it('has development defaults for everything but the router key', () => {
    const env = loadProductsEnv({ ...keys });
    expect(env).toMatchObject({
      PORT: 4002,
      PRODUCTS_DB_NAME: 'shopcart_products',
      CATALOG_CURRENCY: 'USD',
      CATALOG_SYNC_MS: 1000,
      INVENTORY_URL: 'http://127.0.0.1:4003/graphql',
      MONGO_MONITOR_COMMANDS: false,
      mongoUrl: 'mongodb://127.0.0.1:27017',
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(() => loadProductsEnv({})).toThrowError(/ROUTER_PUBLIC_KEY/);
  });

  it('prefers the per-service store URLs', () => {
    const env = loadProductsEnv({ ...keys, MONGODB_URL: 'mongodb://shared', PRODUCTS_MONGODB_URL: 'mongodb://own', PRODUCTS_REDIS_URL: 'redis://own' });
    expect(env.mongoUrl).toBe('mongodb://own');
    expect(env.redisUrl).toBe('redis://own');
  });

  it('names each bad variable', () => {
    expect(() => loadProductsEnv({ ...keys, CATALOG_CURRENCY: 'dollars', CATALOG_SYNC_MS: '0', MONGO_MONITOR_COMMANDS: 'yes' })).toThrowError(
      /CATALOG_SYNC_MS[\s\S]*CATALOG_CURRENCY|CATALOG_CURRENCY[\s\S]*CATALOG_SYNC_MS/,
    );
    expect(() => loadProductsEnv({ ...keys, MONGO_MONITOR_COMMANDS: 'yes' })).toThrowError(/MONGO_MONITOR_COMMANDS/);
    expect(loadProductsEnv({ ...keys, MONGO_MONITOR_COMMANDS: 'true', CATALOG_CURRENCY: 'EUR' })).toMatchObject({ MONGO_MONITOR_COMMANDS: true, CATALOG_CURRENCY: 'EUR' });
  });

  it('needs its own signing key in production, to hand initial stock to inventory', () => {
    expect(() => loadProductsEnv({ ...keys, NODE_ENV: 'production' })).toThrowError(/SERVICE_PRIVATE_KEY/);
    expect(loadProductsEnv({ ...keys, NODE_ENV: 'production', SERVICE_PRIVATE_KEY: 'private' }).NODE_ENV).toBe('production');
  });
});
