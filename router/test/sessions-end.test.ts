import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

/*
 * The router trusts an access token's role only while its sign-in lives and
 * the account's role has not changed since it was issued: a sign-out or a
 * demotion takes effect on the next request, not when the token expires.
 */

const PASSWORD = 'a sessions password 1';
const AUTH = 'user { id role } accessToken refreshToken userErrors { code }';
let platform: Platform;
let adminToken: string;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  adminToken = (await platform.gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }')).data.login.accessToken;
});
afterAll(async () => platform?.stop());

const signIn = async (email: string) => (await platform.gql(`mutation($i: LoginInput!) { login(input: $i) { ${AUTH} } }`, { i: { email, password: PASSWORD } })).data.login;
const register = async (email: string) => (await platform.gql(`mutation($i: RegisterInput!) { register(input: $i) { ${AUTH} } }`, { i: { email, password: PASSWORD, name: 'S' } })).data.register;
const setRole = (userId: string, role: string) =>
  platform.gql('mutation($u: ID!, $r: Role!) { setUserRole(userId: $u, role: $r) { user { role } userErrors { code } } }', { u: userId, r: role }, { token: adminToken });
const usersCount = (token: string) => platform.gql('{ users(first: 1) { totalCount } }', {}, { token });
const me = (token: string) => platform.gql('{ me { id role } }', {}, { token });
const codes = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => r.errors?.map((e) => e.extensions?.code);

describe('ending access tokens before they expire', () => {
  it('a demoted admin loses admin rights on the next request, and a refresh brings the new role', async () => {
    const staff = await register('demoted@example.com');
    expect((await setRole(staff.user.id, 'ADMIN')).data.setUserRole.user.role).toBe('ADMIN');
    const asAdmin = await signIn('demoted@example.com');
    expect((await usersCount(asAdmin.accessToken)).data.users.totalCount).toBeGreaterThan(0);

    expect((await setRole(staff.user.id, 'CUSTOMER')).data.setUserRole.user.role).toBe('CUSTOMER');
    const stale = await usersCount(asAdmin.accessToken);
    expect(stale.data).toBeFalsy();
    expect(codes(stale)).toEqual(['UNAUTHENTICATED']);

    const refreshed = (await platform.gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`, { t: asAdmin.refreshToken })).data.refreshToken;
    expect(refreshed.user.role).toBe('CUSTOMER');
    expect(codes(await usersCount(refreshed.accessToken))).toEqual(['FORBIDDEN']);
    expect((await me(refreshed.accessToken)).data.me).toEqual({ id: staff.user.id, role: 'CUSTOMER' });
  });

  it('sign-out ends that sign-in\'s access token at once, and only that sign-in\'s', async () => {
    await register('signout@example.com');
    const phone = await signIn('signout@example.com');
    const laptop = await signIn('signout@example.com');
    expect((await me(phone.accessToken)).data.me.role).toBe('CUSTOMER');

    const out = await platform.gql('mutation($t: String!) { logout(refreshToken: $t) }', { t: phone.refreshToken }, { token: phone.accessToken });
    expect(out.errors).toBeUndefined();
    const after = await me(phone.accessToken);
    expect(after.data?.me ?? null).toBeNull();
    expect(codes(after)).toEqual(['UNAUTHENTICATED']);
    expect((await me(laptop.accessToken)).data.me.role).toBe('CUSTOMER');
  });

  it('a reused refresh token ends the access tokens of its sign-in too', async () => {
    await register('leaked@example.com');
    const session = await signIn('leaked@example.com');
    const first = (await platform.gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`, { t: session.refreshToken })).data.refreshToken;
    expect(first.userErrors).toEqual([]);
    // The old token again, after the new one was itself used: a leak.
    await platform.gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`, { t: first.refreshToken });
    const reuse = await platform.gql(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${AUTH} } }`, { t: session.refreshToken });
    expect(reuse.data.refreshToken.userErrors.map((e: { code: string }) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
    expect(codes(await me(first.accessToken))).toEqual(['UNAUTHENTICATED']);
  });
});
