import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

const PASSWORD = 'correct horse battery';
const AUTH = 'user { id email name role } accessToken refreshToken userErrors { code message field }';
const stores = () => ({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });

let platform: Platform;
let seq = 0;
const email = (tag: string) => `${tag}-${++seq}@example.com`;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

async function register(input: { email: string; password?: string; name?: string }, p = platform) {
  const r = await p.gql(`mutation($i: RegisterInput!) { register(input: $i) { ${AUTH} } }`, { i: { password: PASSWORD, name: 'Test User', ...input } });
  return r.data.register;
}
async function signup(tag = 'user') {
  const session = await register({ email: email(tag) });
  expect(session.userErrors).toEqual([]);
  return session as { user: { id: string; email: string }; accessToken: string; refreshToken: string };
}
const login = (mail: string, password: string, p = platform) =>
  p.gql(`mutation($i: LoginInput!) { login(input: $i) { ${AUTH} } }`, { i: { email: mail, password } });
const refresh = async (token: string) =>
  (await platform.gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`, { t: token })).data.refreshToken;
const me = (token?: string) => platform.gql('{ me { id email role } }', {}, { token });
const countUsers = (filter: Record<string, unknown> = {}) => platform.users.models.User.countDocuments(filter);

beforeAll(async () => {
  platform = await startPlatform(stores());
});
afterAll(async () => platform?.stop());

describe('register', () => {
  it('creates a customer and signs it in', async () => {
    const session = await register({ email: '  New.Person@Example.com ', name: 'New Person' });
    expect(session.userErrors).toEqual([]);
    expect(session.user).toMatchObject({ email: 'new.person@example.com', name: 'New Person', role: 'CUSTOMER' });
    expect(session.refreshToken).toEqual(expect.any(String));
    expect((await me(session.accessToken)).data.me.id).toBe(session.user.id);
  });

  it('refuses an email that is taken, whatever its case', async () => {
    expect((await register({ email: 'a@b.co' })).userErrors).toEqual([]);
    for (const taken of ['a@b.co', 'A@B.co']) {
      const before = await countUsers();
      const rejected = await register({ email: taken });
      expect(rejected.user).toBeNull();
      expect(rejected.accessToken).toBeNull();
      expect(rejected.userErrors).toEqual([expect.objectContaining({ code: 'EMAIL_TAKEN', field: ['input', 'email'] })]);
      expect(await countUsers()).toBe(before);
    }
    expect(await countUsers({ emailLower: 'a@b.co' })).toBe(1);
  });

  it.each([
    ['not-an-email', PASSWORD, 'INVALID_EMAIL', 'email'],
    ['short@example.com', 'short1', 'WEAK_PASSWORD', 'password'],
    ['common@example.com', 'password123', 'WEAK_PASSWORD', 'password'],
    ['common2@example.com', 'PassWord123', 'WEAK_PASSWORD', 'password'],
  ])('refuses %s / %s with %s and creates nothing', async (mail, password, code, field) => {
    const before = await countUsers();
    const rejected = await register({ email: mail, password });
    expect(rejected).toMatchObject({ user: null, accessToken: null, refreshToken: null });
    expect(rejected.userErrors).toEqual([expect.objectContaining({ code, field: ['input', field] })]);
    expect(await countUsers()).toBe(before);
    expect(await countUsers({ emailLower: mail })).toBe(0);
  });
});

describe('login and me', () => {
  it('signs in with the right password; me follows the token', async () => {
    const { user } = await signup('login');
    const r = await login(user.email.toUpperCase(), PASSWORD);
    expect(r.data.login.userErrors).toEqual([]);
    expect(r.data.login.user.id).toBe(user.id);
    const signedIn = await me(r.data.login.accessToken);
    expect(signedIn.data.me).toMatchObject({ id: user.id, email: user.email, role: 'CUSTOMER' });
    const anonymous = await me();
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data.me).toBeNull();
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const { user } = await signup('creds');
    const wrong = (await login(user.email, 'not the password')).data.login;
    const unknown = (await login(email('nobody'), PASSWORD)).data.login;
    for (const r of [wrong, unknown]) {
      expect(r).toMatchObject({ user: null, accessToken: null, refreshToken: null });
      expect(r.userErrors).toHaveLength(1);
      expect(r.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    }
    expect(wrong.userErrors[0].message).toBe(unknown.userErrors[0].message);
  });
});

describe('refresh tokens', () => {
  it('rotates: the new tokens work and the old refresh token does not', async () => {
    const first = await signup('rotate');
    const second = await refresh(first.refreshToken);
    expect(second.userErrors).toEqual([]);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(second.accessToken)).data.me.id).toBe(first.user.id);
    expect((await refresh(second.refreshToken)).userErrors).toEqual([]);
    const reused = await refresh(first.refreshToken);
    expect(reused).toMatchObject({ user: null, accessToken: null, refreshToken: null });
    expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_REFRESH_TOKEN', field: ['refreshToken'] })]);
  });

  it('revokes the whole family when a rotated token is reused, and only that family', async () => {
    const start = await signup('reuse');
    const parallel = (await login(start.user.email, PASSWORD)).data.login;
    const second = await refresh(start.refreshToken);
    const newest = await refresh(second.refreshToken);
    expect(newest.userErrors).toEqual([]);
    expect((await refresh(start.refreshToken)).userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    expect((await refresh(newest.refreshToken)).userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    expect((await refresh(parallel.refreshToken)).userErrors).toEqual([]);
  });

  it('refuses a garbage token', async () => {
    expect((await refresh('garbage')).userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('logout ends the session and always answers true', async () => {
    const session = await signup('logout');
    const logout = (t: string) => platform.gql('mutation($t: String!) { logout(refreshToken: $t) }', { t });
    expect((await logout(session.refreshToken)).data.logout).toBe(true);
    expect((await refresh(session.refreshToken)).userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    expect((await logout('never-issued')).data.logout).toBe(true);
  });
});

describe('access tokens', () => {
  let user: { id: string; email: string };
  let valid: string;
  const signEdDSA = async (pem: string, exp: number | string = '5m') =>
    new SignJWT({ role: 'CUSTOMER' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('shopcart-users').setAudience('shopcart')
      .setSubject(user.id).setIssuedAt(typeof exp === 'number' ? exp - 60 : undefined).setExpirationTime(exp).sign(await importPKCS8(pem, 'EdDSA'));
  const otherKey = () => generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    ({ user, accessToken: valid } = await signup('tokens'));
  });

  it('accepts a token signed with the access key (the baseline the others break)', async () => {
    const r = await platform.gql('{ me { id } }', {}, { token: await signEdDSA(platform.keys.accessPrivate) });
    expect(r.status).toBe(200);
    expect(r.data.me.id).toBe(user.id);
  });

  const forgeries: Array<[string, () => Promise<string>]> = [
    ['an edited payload', async () => { const [h, , sig] = valid.split('.'); return `Bearer ${h}.${b64({ ...claimsOf(valid), role: 'ADMIN' })}.${sig}`; }],
    ['an expired token', async () => `Bearer ${await signEdDSA(platform.keys.accessPrivate, now() - 60)}`],
    ['alg=none', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claimsOf(valid), exp: now() + 300 })}.`],
    ['another Ed25519 key', async () => `Bearer ${await signEdDSA(otherKey())}`],
    ['HS256 keyed with the public key PEM', async () => `Bearer ${await new SignJWT({ role: 'CUSTOMER' }).setProtectedHeader({ alg: 'HS256' })
      .setIssuer('shopcart-users').setAudience('shopcart').setSubject(user.id).setExpirationTime('5m').sign(new TextEncoder().encode(platform.keys.accessPublic))}`],
    ...['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b', 'Bearer not-a-jwt'].map((h): [string, () => Promise<string>] => [`header "${h}"`, async () => h]),
    ['header "Token <valid>"', async () => `Token ${valid}`],
  ];
  it.each(forgeries)('answers 401 UNAUTHENTICATED for %s', async (_name, header) => {
    const r = await platform.gql('{ me { id } }', {}, { headers: { authorization: await header() } });
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.data ?? null).toBeNull();
  });
});

describe('admin', () => {
  let admin: string;
  let adminId: string;
  const usersPage = (variables: Record<string, unknown>, token = admin) =>
    platform.gql('query($q: String, $n: Int, $a: String) { users(query: $q, first: $n, after: $a) { totalCount nodes { id email } edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', variables, { token });
  const setRole = (userId: string, role: string, token = admin) =>
    platform.gql('mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { user { id role } userErrors { code field } } }', { u: userId, r: role }, { token });

  beforeAll(async () => {
    const r = (await login('admin@shopcart.dev', 'shopcart-admin')).data.login;
    expect(r.user.role).toBe('ADMIN');
    ({ accessToken: admin, user: { id: adminId } } = r);
  });

  it('pages through users without gaps or duplicates', async () => {
    const tag = `pager${Date.now()}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await signup(tag)).user.id);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: Awaited<ReturnType<typeof usersPage>> = await usersPage({ q: tag, n: 2, a: after });
      const conn = r.data.users;
      expect(conn.totalCount).toBe(5);
      expect(conn.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(conn.nodes.map((n: { id: string }) => n.id));
      seen.push(...conn.nodes.map((n: { id: string }) => n.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(created);
    const all = (await usersPage({ n: 100 })).data.users;
    expect(all.totalCount).toBe(await countUsers());
    expect(all.nodes.map((n: { id: string }) => n.id)).toContain(adminId);
  });

  it('promotes a customer, whose next token is an admin token', async () => {
    const customer = await signup('promote');
    const r = (await setRole(customer.user.id, 'ADMIN')).data.setUserRole;
    expect(r).toEqual({ user: { id: customer.user.id, role: 'ADMIN' }, userErrors: [] });
    const next = (await login(customer.user.email, PASSWORD)).data.login.accessToken;
    expect(claimsOf(next).role).toBe('ADMIN');
    const listed = await usersPage({ n: 1 }, next);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.users.totalCount).toBeGreaterThan(1);
  });

  it('refuses to change its own role and unknown users', async () => {
    expect((await setRole(adminId, 'CUSTOMER')).data.setUserRole).toEqual({ user: null, userErrors: [{ code: 'FORBIDDEN', field: ['userId'] }] });
    expect((await platform.users.models.User.findById(adminId).lean())?.role).toBe('ADMIN');
    for (const id of ['0123456789abcdef01234567', 'not-an-id']) {
      expect((await setRole(id, 'ADMIN')).data.setUserRole.userErrors[0].code).toBe('NOT_FOUND');
    }
  });

  it('answers customers FORBIDDEN on admin fields and keeps the rest', async () => {
    const customer = await signup('nosy');
    const r = await platform.gql('{ me { email } users { totalCount } }', {}, { token: customer.accessToken });
    expect(r.data).toEqual({ me: { email: customer.user.email }, users: null });
    expect(r.errors).toEqual([expect.objectContaining({ path: ['users'], extensions: { code: 'FORBIDDEN' } })]);
    const promote = await setRole(customer.user.id, 'ADMIN', customer.accessToken);
    expect(promote.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await platform.users.models.User.findById(customer.user.id).lean())?.role).toBe('CUSTOMER');
  });

  it('caps the search query at 100 characters, before asking the store', async () => {
    const { User } = platform.users.models;
    const client = User.db.getClient();
    let reads = 0;
    const countReads = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.command[event.commandName] === User.collection.collectionName) reads += 1;
    };
    client.on('commandStarted', countReads);
    try {
      for (const q of ['a'.repeat(101), 'a'.repeat(100_000)]) {
        const r = await usersPage({ q });
        expect(r.data).toBeNull();
        expect(r.errors).toEqual([{ message: 'query must be at most 100 characters', path: ['users'], extensions: { code: 'BAD_USER_INPUT', field: ['query'] } }]);
      }
      expect(reads).toBe(0);
      const atCap = await usersPage({ q: 'a'.repeat(100) });
      expect(atCap.errors).toBeUndefined();
      expect(atCap.data.users.totalCount).toBe(0);
      expect(reads).toBeGreaterThan(0);
    } finally {
      client.off('commandStarted', countReads);
    }
  });

  it('caps the page size at 100', async () => {
    for (const r of [await platform.gql('{ users(first: 101) { totalCount } }', {}, { token: admin }), await usersPage({ n: 101 })]) {
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.data?.users ?? null).toBeNull();
    }
  });
});
