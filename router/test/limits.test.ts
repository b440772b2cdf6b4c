import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

let platform: Platform;
let customer: string;
let admin: string;

beforeAll(async () => {
  // Production-like: introspection only for admins.
  platform = await startPlatform({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    subgraphs: ['users', 'inventory', 'products'],
    env: { INTROSPECTION: 'false', CORS_ORIGINS: 'https://shop.example.com' },
  });
  const reg = await platform.gql(`mutation { register(input: {email: "limits@example.com", password: "limits-password-1", name: "L"}) { accessToken } }`);
  customer = reg.data.register.accessToken;
  const login = await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`);
  admin = login.data.login.accessToken;
});
afterAll(async () => platform?.stop());

const codes = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => (r.errors ?? []).map((e) => e.extensions?.code);

/** Nests __type -> fields -> type ... `levels` times (each level adds two). */
function typeBomb(levels: number): string {
  let inner = 'name';
  for (let i = 0; i < levels; i += 1) inner = `fields { type { ${inner} } }`;
  return `{ __type(name: "Query") { ${inner} } }`;
}

describe('operation limits', () => {
  it('rejects a depth bomb without revealing the limit', async () => {
    const r = await platform.gql(typeBomb(8), undefined, { token: admin });
    expect(r.status).toBe(400);
    expect(codes(r)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect((r.errors ?? []).map((e) => e.message).join(' ')).not.toMatch(/\d/);
    expect(r.data).toBeUndefined();
  });

  it('accepts a reasonably deep query', async () => {
    const r = await platform.gql(typeBomb(2), undefined, { token: admin });
    expect(r.errors).toBeUndefined();
    expect(r.data.__type.fields.length).toBeGreaterThan(0);
  });

  it('closes the "__schema" fragment bypass of the depth limit', async () => {
    const query = `{ __type(name: "Query") { ...__schema } }
      fragment __schema on __Type { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }`;
    const r = await platform.gql(query, undefined, { token: admin });
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
  });

  it('closes the fragment depth-cache bypass (a fragment reused deeper than first seen)', async () => {
    const query = `{
        a: __type(name: "Query") { ...Deep }
        b: __type(name: "Query") { fields { type { fields { type { ...Deep } } } } }
      }
      fragment Deep on __Type { fields { type { fields { type { fields { type { name } } } } } } }`;
    const r = await platform.gql(query, undefined, { token: admin });
    expect(r.status).toBe(400);
    expect(codes(r)).toContain('GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects an alias flood', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ');
    const r = await platform.gql(`{ ${aliases} }`, undefined, { token: customer });
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
  });

  it('rejects a token flood before parsing the whole document', async () => {
    const r = await platform.gql(`{ ${'me { id } '.repeat(600)} }`, undefined, { token: customer });
    expect(r.status).toBe(400);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toBe('Syntax Error: Document is too large.');
  });

  it('caps page size at 100, literal or variable', async () => {
    const literal = await platform.gql(`{ users(first: 101) { totalCount } }`, undefined, { token: admin });
    expect(codes(literal)).toEqual(['BAD_USER_INPUT']);
    const variable = await platform.gql(`query ($n: Int) { users(first: $n) { totalCount } }`, { n: 5000 }, { token: admin });
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    const ok = await platform.gql(`query ($n: Int) { users(first: $n) { totalCount } }`, { n: 100 }, { token: admin });
    expect(ok.errors).toBeUndefined();
    expect(ok.data.users.totalCount).toBeGreaterThanOrEqual(2);
  });
});

describe('HTTP hardening', () => {
  it('answers malformed JSON with 400', async () => {
    const r = await fetch(platform.routerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ me { id } }"' });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses a body over the size cap with 413', async () => {
    const r = await fetch(platform.routerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(2_000_000)}` }) });
    expect(r.status).toBe(413);
  });

  it('lets 100 KB of search text through the body cap, to be refused as BAD_USER_INPUT', async () => {
    // It once reached the fuzzy matcher, which needed 10 GB for it and failed INTERNAL_SERVER_ERROR.
    const r = await platform.gql('query ($q: String) { products(query: $q) { totalCount } }', { q: 'a'.repeat(100_000) });
    expect(r.status).toBe(200);
    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors?.[0]?.extensions?.field).toEqual(['query']);
  });

  it('never runs a mutation over GET', async () => {
    const url = `${platform.routerUrl}?query=${encodeURIComponent('mutation { logout(refreshToken: "x") }')}`;
    const r = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(r.status).toBe(405);
  });

  it('serves queries over GET only with a CSRF preflight header', async () => {
    const url = `${platform.routerUrl}?query=${encodeURIComponent('{ me { id } }')}`;
    const blocked = await fetch(url);
    expect(blocked.status).toBe(400);
    const allowed = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { data: unknown }).data).toEqual({ me: null });
  });

  it('refuses a simple (CSRF-able) form POST', async () => {
    const r = await fetch(platform.routerUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"mutation { logout(refreshToken: \\"x\\") }"}' });
    expect(r.status).toBe(400);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(platform.routerUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('tags responses with a request id, taken from traceparent when given', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await platform.gql('{ me { id } }', undefined, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(r.headers.get('x-request-id')).toBe(traceId);
    const plain = await platform.gql('{ me { id } }');
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('introspection and suggestions', () => {
  it('introspection is for admins when disabled for everyone else', async () => {
    const query = '{ __schema { queryType { name } } }';
    const anonymous = await platform.gql(query);
    expect(anonymous.status).toBe(400);
    expect(anonymous.data).toBeUndefined();
    const asCustomer = await platform.gql(query, undefined, { token: customer });
    expect(asCustomer.data).toBeUndefined();
    const asAdmin = await platform.gql(query, undefined, { token: admin });
    expect(asAdmin.data.__schema.queryType.name).toBe('Query');
  });

  it('hides field suggestions from non-admins only', async () => {
    const typo = '{ mee { id } }';
    const asCustomer = await platform.gql(typo, undefined, { token: customer });
    expect(asCustomer.errors?.[0]?.message).toMatch(/Cannot query field "mee"/);
    expect(asCustomer.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const asAdmin = await platform.gql(typo, undefined, { token: admin });
    expect(asAdmin.errors?.[0]?.message).toMatch(/Did you mean "me"/);
  });
});

describe('authorization pruning and query plan cache', () => {
  const query = 'query Mixed { me { id email } users(first: 5) { totalCount } }';

  it('gives each caller its own plan: a customer after an admin, and an admin after a customer', async () => {
    const adminFirst = await platform.gql(query, undefined, { token: admin });
    expect(adminFirst.errors).toBeUndefined();
    expect(adminFirst.data.users.totalCount).toBeGreaterThanOrEqual(2);

    const asCustomer = await platform.gql(query, undefined, { token: customer });
    expect(asCustomer.data.users).toBeNull();
    expect(asCustomer.data.me.email).toBe('limits@example.com');
    expect(asCustomer.errors).toEqual([{ message: 'Admins only', path: ['users'], extensions: { code: 'FORBIDDEN' } }]);

    const adminAgain = await platform.gql(query, undefined, { token: admin });
    expect(adminAgain.errors).toBeUndefined();
    expect(adminAgain.data.users.totalCount).toBe(adminFirst.data.users.totalCount);
  });

  it('prunes denied fields inside fragments and leaves no marker in the data', async () => {
    const r = await platform.gql('{ ...Root } fragment Root on Query { users { totalCount } }', undefined, { token: customer });
    expect(r.data).toEqual({ users: null });
    expect(codes(r)).toEqual(['FORBIDDEN']);
  });

  it('a denied mutation never reaches the subgraph', async () => {
    const target = await platform.gql('{ me { id } }', undefined, { token: customer });
    const r = await platform.gql(`mutation { setUserRole(userId: "${target.data.me.id}", role: ADMIN) { user { role } } }`, undefined, { token: customer });
    expect(codes(r)).toEqual(['FORBIDDEN']);
    const user = await platform.users.models.User.findById(target.data.me.id).lean();
    expect(user?.role).toBe('CUSTOMER');
  });
});
