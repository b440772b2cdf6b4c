import { generateKeyPairSync } from 'node:crypto';
import { createIdentitySigner, importPrivateKey, type IdentitySigner, type Viewer } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';

const ENTITY = (id: string) => `{ _entities(representations: [{ __typename: "User", id: "${id}" }]) { ... on User { email } } }`;

let platform: Platform;
let router: IdentitySigner;
let user: { id: string; email: string };
let other: { id: string };

const direct = (query: string, token?: string) => postGraphQL<any>(platform.subgraphUrls.users!, query, {}, { token });
const as = (viewer: Partial<Omit<Viewer, 'issuer'>>, audience = 'users', signer = router) =>
  signer.sign(audience, { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer });
const base = () => new URL('/', platform.subgraphUrls.users).toString();

function expectRefused(r: Awaited<ReturnType<typeof direct>>) {
  expect(r.status).toBe(401);
  expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(r.body).not.toHaveProperty('data');
  expect(JSON.stringify(r.body)).not.toContain(user.email);
}

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  router = createIdentitySigner('shopcart-router', await importPrivateKey(platform.keys.routerPrivate));
  const register = async (email: string) => {
    const r = await platform.gql('mutation($i: RegisterInput!) { register(input: $i) { user { id email } } }', {
      i: { email, password: 'correct horse battery', name: 'Direct' },
    });
    return r.data.register.user as { id: string; email: string };
  };
  [user, other] = await Promise.all([register('direct@example.com'), register('neighbour@example.com')]);
});
afterAll(async () => platform?.stop());

describe('users subgraph reached directly', () => {
  it('answers a request without identity 401 and no data', async () => {
    expectRefused(await direct('{ me { id email } }'));
  });

  it('refuses _entities and _service without identity', async () => {
    expectRefused(await direct(ENTITY(user.id)));
    expectRefused(await direct('{ _service { sdl } }'));
  });

  it('refuses identity signed with a key other than the router key', async () => {
    const { privateKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const impostor = createIdentitySigner('shopcart-router', await importPrivateKey(privateKey));
    expectRefused(await direct(ENTITY(user.id), await as({ userId: user.id, role: 'ADMIN' }, 'users', impostor)));
  });

  it('refuses router identity meant for another subgraph', async () => {
    expectRefused(await direct(ENTITY(user.id), await as({ userId: user.id, role: 'ADMIN' }, 'products')));
  });

  it('refuses a user role from an issuer other than the router, and a user role without a subject', async () => {
    const service = createIdentitySigner('shopcart-orders', await importPrivateKey(platform.keys.routerPrivate));
    expectRefused(await direct(ENTITY(user.id), await as({ userId: user.id, role: 'ADMIN' }, 'users', service)));
    expectRefused(await direct(ENTITY(user.id), await as({ role: 'CUSTOMER' })));
  });

  it('resolves a User entity only for the user itself', async () => {
    const anonymous = await direct(ENTITY(user.id), await as({}));
    expect(anonymous.status).toBe(200);
    expect(anonymous.data._entities).toEqual([null]);
    const neighbour = await direct(ENTITY(user.id), await as({ userId: other.id, role: 'CUSTOMER' }));
    expect(neighbour.data._entities).toEqual([null]);
    const self = await direct(ENTITY(user.id), await as({ userId: user.id, role: 'CUSTOMER' }));
    expect(self.errors).toBeUndefined();
    expect(self.data._entities).toEqual([{ email: user.email }]);
  });

  it('serves the SDL to router-signed identity', async () => {
    const r = await direct('{ _service { sdl } }', await as({}));
    expect(r.data._service.sdl).toContain('type User');
  });
});

describe('operational endpoints', () => {
  it('/health answers 200', async () => {
    const r = await fetch(new URL('health', base()));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });

  it('/ready answers 200 with its store checks', async () => {
    const r = await fetch(new URL('ready', base()));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, checks: { mongodb: true, redis: true } });
  });

  it('/metrics counts GraphQL operations', async () => {
    await direct('query DirectProbe { me { id } }', await as({ userId: user.id, role: 'CUSTOMER' }));
    const r = await fetch(platform.metricsUrls.users!);
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('graphql_operations_total');
    expect(text).toMatch(/graphql_operations_total\{[^}]*operation="DirectProbe"[^}]*outcome="ok"[^}]*\} 1/);
  });
});
