import { baseEnvSchema, booleanFlag, forbidden, loadSubgraphEnv, requireService, subgraphEnvFields, type Viewer } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const ordersSchema = baseEnvSchema.extend({ ...subgraphEnvFields('orders', { port: 4005, database: 'shopcart_orders' }), OWN: z.string().default('own') });
const cartSchema = baseEnvSchema.extend({ ...subgraphEnvFields('cart', { port: 4004 }) });
const keys = { ROUTER_PUBLIC_KEY: 'public' };

describe('a subgraph env', () => {
  it('has the shared store fields in a fixed order, with the service port and database as defaults', () => {
    expect(Object.keys(subgraphEnvFields('orders', { port: 4005, database: 'shopcart_orders' }))).toEqual([
      'SERVICE_PRIVATE_KEY',
      'TRUSTED_SERVICE_KEYS',
      'PORT',
      'ORDERS_MONGODB_URL',
      'MONGODB_URL',
      'ORDERS_DB_NAME',
      'ORDERS_REDIS_URL',
      'REDIS_URL',
      'REDIS_KEY_PREFIX',
      'ROUTER_PUBLIC_KEY',
      'MONGO_MONITOR_COMMANDS',
    ]);
    expect(loadSubgraphEnv('orders', ordersSchema, keys)).toMatchObject({
      PORT: 4005,
      ORDERS_DB_NAME: 'shopcart_orders',
      TRUSTED_SERVICE_KEYS: '{}',
      REDIS_KEY_PREFIX: '',
      MONGO_MONITOR_COMMANDS: false,
      OWN: 'own',
      mongoUrl: 'mongodb://127.0.0.1:27017',
      dbName: 'shopcart_orders',
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it("takes the service's own store URLs and database over the shared ones", () => {
    const env = loadSubgraphEnv('orders', ordersSchema, { ...keys, MONGODB_URL: 'mongodb://shared', ORDERS_MONGODB_URL: 'mongodb://own', REDIS_URL: 'redis://shared', ORDERS_REDIS_URL: 'redis://own', ORDERS_DB_NAME: 'orders_test' });
    expect(env).toMatchObject({ mongoUrl: 'mongodb://own', redisUrl: 'redis://own', dbName: 'orders_test' });
  });

  it('has no MongoDB settings without a database (the cart)', () => {
    expect(Object.keys(cartSchema.shape)).not.toContain('MONGODB_URL');
    const env = loadSubgraphEnv('cart', cartSchema, { ...keys, CART_REDIS_URL: 'redis://own' });
    expect(env).toMatchObject({ PORT: 4004, redisUrl: 'redis://own' });
    expect(env).not.toHaveProperty('mongoUrl');
  });

  it('names every bad variable', () => {
    expect(() => loadSubgraphEnv('orders', ordersSchema, { PORT: 'eighty', MONGO_MONITOR_COMMANDS: 'yes' })).toThrowError(/PORT[\s\S]*ROUTER_PUBLIC_KEY[\s\S]*MONGO_MONITOR_COMMANDS/);
  });
});

describe('booleanFlag', () => {
  it("reads exactly 'true' and 'false'", () => {
    expect(booleanFlag.parse('true')).toBe(true);
    expect(booleanFlag.parse('false')).toBe(false);
    for (const bad of ['yes', '1', 'TRUE', '']) expect(booleanFlag.safeParse(bad).success).toBe(false);
  });
});

describe('requireService', () => {
  it('lets services through and refuses everyone else', () => {
    const viewer = (role: Viewer['role']) => ({ userId: null, role }) as Viewer;
    expect(() => requireService(viewer('SERVICE'))).not.toThrow();
    for (const role of ['ANONYMOUS', 'CUSTOMER', 'ADMIN'] as const) expect(() => requireService(viewer(role))).toThrowError(forbidden('Internal operation: services only').message);
  });
});
