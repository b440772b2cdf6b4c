import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';
import { loadRouterEnv } from '../src/env.js';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), useJwks: true });
});
afterAll(async () => platform?.stop());

describe('access tokens verified through the users JWKS endpoint', () => {
  it('publishes only the public key', async () => {
    const response = await fetch(new URL('/.well-known/jwks.json', platform.subgraphUrls.users));
    const jwks = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('accepts tokens users issued and rejects one signed by another key with the same kid', async () => {
    const reg = await platform.gql(`mutation { register(input: {email: "jwks@example.com", password: "jwks-password-1", name: "J"}) { accessToken } }`);
    const token: string = reg.data.register.accessToken;
    const me = await platform.gql('{ me { email } }', undefined, { token });
    expect(me.data.me.email).toBe('jwks@example.com');

    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const other = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const forged = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg: 'EdDSA', kid: header.kid })
      .setIssuer('shopcart-users')
      .setAudience('shopcart')
      .setSubject('000000000000000000000000')
      .setExpirationTime('5m')
      .sign(await importPKCS8(other, 'EdDSA'));
    const denied = await platform.gql('{ me { email } }', undefined, { token: forged });
    expect(denied.status).toBe(401);
    expect(denied.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('router configuration', () => {
  it('names each bad variable and refuses to start without keys', () => {
    expect(() => loadRouterEnv({ PORT: 'eighty' })).toThrowError(/PORT:[\s\S]*ROUTER_PRIVATE_KEY:|ROUTER_PRIVATE_KEY:[\s\S]*PORT:/);
    expect(() => loadRouterEnv({ ROUTER_PRIVATE_KEY: 'x' })).toThrowError(/ACCESS_TOKEN_PUBLIC_KEY: set ACCESS_TOKEN_PUBLIC_KEY or USERS_JWKS_URL/);
  });

  it('turns introspection off by default in production', () => {
    const base = { ROUTER_PRIVATE_KEY: 'k', ACCESS_TOKEN_PUBLIC_KEY: 'p' };
    expect(loadRouterEnv({ ...base, NODE_ENV: 'production', APQ_REDIS_URL: 'redis://cache:6379' }).introspection).toBe(false);
    expect(loadRouterEnv({ ...base, NODE_ENV: 'development' }).introspection).toBe(true);
  });

  it('reads subgraph URL overrides but not store URLs', () => {
    const env = loadRouterEnv({ ROUTER_PRIVATE_KEY: 'k', ACCESS_TOKEN_PUBLIC_KEY: 'p', USERS_URL: 'http://users:4001/graphql', REDIS_URL: 'redis://x' });
    expect(env.subgraphUrls).toEqual({ users: 'http://users:4001/graphql' });
  });
});
