import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';
import { loadRouterEnv } from '../src/env.js';
import { timedGql } from './support/resilience.js';
import { startReplicas, type Replica } from './support/routers.js';

let platform: Platform;
let router: Replica;
let stopRouter: () => Promise<void>;
let customer: string;
let admin: string;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  customer = (await platform.gql(`mutation { register(input: {email: "prod@example.com", password: "prod-password-1", name: "P"}) { accessToken } }`)).data.register.accessToken;
  admin = (await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`)).data.login.accessToken;
  // The same router, configured as production is: nothing but NODE_ENV, the keys and a cache Redis
  // for persisted queries (here another keyspace of the test Redis).
  const started = await startReplicas(platform, 1, { NODE_ENV: 'production', APQ_REDIS_URL: `${inject('redisUrl')}/1` });
  router = started.replicas[0]!;
  stopRouter = started.stop;
});
afterAll(async () => {
  await stopRouter?.();
  await platform?.stop();
});

describe('the router in production', () => {
  it('refuses to start without its keys, naming each missing one, and keeps introspection off by default', () => {
    expect(() => loadRouterEnv({ NODE_ENV: 'production' })).toThrowError(/ROUTER_PRIVATE_KEY:/);
    expect(() => loadRouterEnv({ NODE_ENV: 'production', ROUTER_PRIVATE_KEY: 'k' })).toThrowError(/ACCESS_TOKEN_PUBLIC_KEY: set ACCESS_TOKEN_PUBLIC_KEY or USERS_JWKS_URL/);
    // Persisted queries must not share the carts' Redis.
    expect(() => loadRouterEnv({ NODE_ENV: 'production', ROUTER_PRIVATE_KEY: 'k', USERS_JWKS_URL: 'http://users:4001/.well-known/jwks.json' })).toThrowError(/APQ_REDIS_URL: set APQ_REDIS_URL in production/);
    // Introspection is off unless asked for.
    expect(loadRouterEnv({ NODE_ENV: 'production', ROUTER_PRIVATE_KEY: 'k', USERS_JWKS_URL: 'http://users:4001/.well-known/jwks.json', APQ_REDIS_URL: 'redis://cache:6379' }).introspection).toBe(false);
  });

  it('answers introspection for admins only', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "User") { fields { name } } }']) {
      for (const token of [undefined, customer]) {
        const refused = await timedGql(router.url, query, { token });
        expect(refused.status).toBe(400);
        expect(refused.body.data).toBeUndefined();
        expect(refused.body.errors?.[0]?.message).toBe('Introspection is disabled');
      }
      const allowed = await timedGql(router.url, query, { token: admin });
      expect(allowed.body.errors).toBeUndefined();
      expect(allowed.body.data).toBeTruthy();
    }
  });

  it('gives no field suggestions, stack traces or internal detail to anyone but admins', async () => {
    const typo = await timedGql(router.url, '{ me { emial } }', { token: customer });
    expect(typo.body.errors?.[0]?.message).toBe('Cannot query field "emial" on type "User".');
    expect(Object.keys(typo.body.errors?.[0]?.extensions ?? {})).toEqual(['code']);
    // No products subgraph runs here: its failure reads as SERVICE_UNAVAILABLE and nothing more.
    const down = await timedGql(router.url, '{ me { email } product(slug: "x") { title } }', { token: customer });
    expect(down.body.data).toEqual({ me: { email: 'prod@example.com' }, product: null });
    expect(down.body.errors).toEqual([{ message: expect.any(String), path: ['product'], extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
    expect(down.raw).not.toMatch(/stack|127\.0\.0\.1|localhost|:\d{4}|ECONNREFUSED/);
  });
});
