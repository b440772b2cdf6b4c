import { describe, expect, it } from 'vitest';
import { loadInventoryEnv } from '../src/env.js';

const keys = { ROUTER_PUBLIC_KEY: 'public' };

describe('inventory configuration', () => {
  it('has development defaults for everything but the router key', () => {
    const env = loadInventoryEnv({ ...keys });
    expect(env).toMatchObject({
      PORT: 4003,
      INVENTORY_DB_NAME: 'shopcart_inventory',
      RESERVATION_SWEEP_MS: 5_000,
      STOCK_PUBLISH_MS: 5_000,
      MONGO_MONITOR_COMMANDS: false,
      REDIS_KEY_PREFIX: '',
      mongoUrl: 'mongodb://127.0.0.1:27017',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('requires the router key and names what is missing', () => {
    expect(() => loadInventoryEnv({})).toThrowError(/ROUTER_PUBLIC_KEY/);
  });

  it('reads MONGO_MONITOR_COMMANDS as a strict true/false flag', () => {
    expect(loadInventoryEnv({ ...keys, MONGO_MONITOR_COMMANDS: 'true' }).MONGO_MONITOR_COMMANDS).toBe(true);
    expect(loadInventoryEnv({ ...keys, MONGO_MONITOR_COMMANDS: 'false' }).MONGO_MONITOR_COMMANDS).toBe(false);
    expect(() => loadInventoryEnv({ ...keys, MONGO_MONITOR_COMMANDS: 'yes' })).toThrowError(/MONGO_MONITOR_COMMANDS/);
  });

  it('refuses timer settings that are not positive whole milliseconds, naming each', () => {
    expect(() => loadInventoryEnv({ ...keys, RESERVATION_SWEEP_MS: '0', STOCK_PUBLISH_MS: 'soon' })).toThrowError(/RESERVATION_SWEEP_MS[\s\S]*STOCK_PUBLISH_MS/);
  });

  it('prefers the per-service store URLs', () => {
    const env = loadInventoryEnv({ ...keys, MONGODB_URL: 'mongodb://shared', INVENTORY_MONGODB_URL: 'mongodb://own', REDIS_URL: 'redis://shared', INVENTORY_REDIS_URL: 'redis://own' });
    expect(env.mongoUrl).toBe('mongodb://own');
    expect(env.redisUrl).toBe('redis://own');
  });
});
