import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type GqlResponse, type Platform } from '@shopcart/testing';

const PASSWORD = 'correct horse battery';
const ADMIN = { email: 'admin@shopcart.dev', password: 'shopcart-admin' };
// Each client is the address a trusted proxy puts in X-Forwarded-For.
const proxied = { TRUST_PROXY_HOPS: '1' };
const stores = () => ({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });

let seq = 0;
const email = (tag: string) => `${tag}-${++seq}@example.com`;
let clients = 0;
const newClient = () => `198.51.100.${++clients}`;

const login = (p: Platform, ip: string, mail: string, password: string) =>
  p.gql('mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }', { i: { email: mail, password } }, { headers: { 'x-forwarded-for': ip } });
const register = async (p: Platform, mail: string) => {
  const r = await p.gql('mutation($i: RegisterInput!) { register(input: $i) { userErrors { code } } }', { i: { email: mail, password: PASSWORD, name: 'Owner' } }, { headers: { 'x-forwarded-for': newClient() } });
  expect(r.data.register.userErrors).toEqual([]);
};

const outcome = (r: GqlResponse<any>) => (r.data?.login?.accessToken ? 'SIGNED_IN' : (r.data?.login?.userErrors[0]?.code ?? r.errors?.[0]?.extensions?.code));
const expectSignedIn = (r: GqlResponse<any>) => expect(outcome(r)).toBe('SIGNED_IN');
const expectWrongPassword = (r: GqlResponse<any>) => expect(outcome(r)).toBe('INVALID_CREDENTIALS');
function expectRateLimited(r: GqlResponse<any>, windowSeconds: number) {
  expect(r.status).toBe(429);
  expect(r.data?.login ?? null).toBeNull();
  expect(r.errors).toHaveLength(1);
  expect(r.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  expect(r.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
  expect(r.errors?.[0]?.extensions?.retryAfter).toBeLessThanOrEqual(windowSeconds);
}

// Defaults: 5 failures per client and account in 15 minutes; the router allows 7 login/register fields per client a minute.
let platform: Platform;
// 6 failures per account in an hour, from all clients together.
let spread: Platform;
// 3 failures per client over all accounts.
let perIp: Platform;
beforeAll(async () => {
  [platform, spread, perIp] = await Promise.all([
    startPlatform({ ...stores(), env: { ...proxied, RATE_LIMIT_AUTH_PER_IP: '7' } }),
    startPlatform({ ...stores(), env: { ...proxied, LOGIN_MAX_FAILURES_PER_ACCOUNT: '6' } }),
    startPlatform({ ...stores(), env: { ...proxied, LOGIN_MAX_FAILURES_PER_IP: '3' } }),
  ]);
});
afterAll(async () => Promise.all([platform?.stop(), spread?.stop(), perIp?.stop()]));

describe('login throttling by client and account', () => {
  it('locks out the client that guessed the admin password, not the admin signing in elsewhere', async () => {
    const attacker = newClient();
    for (let i = 0; i < 5; i++) expectWrongPassword(await login(platform, attacker, ADMIN.email, 'wrong password!'));
    expectRateLimited(await login(platform, attacker, ADMIN.email, ADMIN.password), 900);
    expectSignedIn(await login(platform, newClient(), ADMIN.email, ADMIN.password));
    // The admin's sign-in elsewhere frees nothing for the attacker.
    expectRateLimited(await login(platform, attacker, ADMIN.email, ADMIN.password), 900);
  });

  it('answers as the router answers its own rate limits: 429, RATE_LIMITED, retryAfter', async () => {
    const ip = newClient();
    const target = email('shape');
    await register(platform, target);
    for (let i = 0; i < 5; i++) expectWrongPassword(await login(platform, ip, target, 'wrong password!'));
    const byUsers = await login(platform, ip, target, PASSWORD);
    await login(platform, ip, target, PASSWORD);
    // The client's eighth login field in the minute: refused by the router before users is asked.
    const byRouter = await login(platform, ip, target, PASSWORD);
    expect(byRouter.headers.get('retry-after')).not.toBeNull();
    // The same header on users' own refusal, from its retryAfter.
    expect(Number(byUsers.headers.get('retry-after'))).toBe(byUsers.errors![0]!.extensions!.retryAfter);
    for (const r of [byUsers, byRouter]) expectRateLimited(r, 900);
    expect(Object.keys(byUsers.errors![0]!.extensions!).sort()).toEqual(Object.keys(byRouter.errors![0]!.extensions!).sort());
  });

  it('holds guesses spread over many clients to a limit per account, except for a client the owner signed in from', async () => {
    const target = email('spread');
    await register(spread, target);
    const home = newClient();
    expectSignedIn(await login(spread, home, target, PASSWORD));
    for (let i = 0; i < 3; i++) {
      const guesser = newClient();
      for (let j = 0; j < 2; j++) expectWrongPassword(await login(spread, guesser, target, 'wrong password!'));
    }
    expectRateLimited(await login(spread, newClient(), target, 'wrong password!'), 3600);
    // An unknown client is refused even with the right password: the price of the account-wide limit.
    expectRateLimited(await login(spread, newClient(), target, PASSWORD), 3600);
    expectSignedIn(await login(spread, home, target, PASSWORD));
    // The owner's sign-in gives the guessers no fresh budget.
    expectRateLimited(await login(spread, newClient(), target, 'wrong password!'), 3600);
  });

  it('holds both limits against concurrent bursts, from one client and from many', async () => {
    const fromOne = email('burst-one');
    await register(spread, fromOne);
    const one = newClient();
    const burst = await Promise.all(Array.from({ length: 12 }, () => login(spread, one, fromOne, 'wrong password!')));
    expect(burst.filter((r) => outcome(r) === 'INVALID_CREDENTIALS')).toHaveLength(5);
    expect(burst.filter((r) => r.status === 429 && outcome(r) === 'RATE_LIMITED')).toHaveLength(7);

    const fromMany = email('burst-many');
    await register(spread, fromMany);
    const spreadBurst = await Promise.all(Array.from({ length: 12 }, () => login(spread, newClient(), fromMany, 'wrong password!')));
    expect(spreadBurst.filter((r) => outcome(r) === 'INVALID_CREDENTIALS')).toHaveLength(6);
    expect(spreadBurst.filter((r) => r.status === 429 && outcome(r) === 'RATE_LIMITED')).toHaveLength(6);
  });

  it('limits failures per client address across different emails', async () => {
    const ip = newClient();
    const owner = email('ip-owner');
    await register(perIp, owner);
    for (let i = 0; i < 2; i++) expectWrongPassword(await login(perIp, ip, email('ip-probe'), 'wrong password!'));
    // Successful logins do not use up the address's budget.
    for (let i = 0; i < 2; i++) expectSignedIn(await login(perIp, ip, owner, PASSWORD));
    expectWrongPassword(await login(perIp, ip, email('ip-probe'), 'wrong password!'));
    expectRateLimited(await login(perIp, ip, owner, PASSWORD), 900);
    // Another address is not held by this one's failures.
    expectSignedIn(await login(perIp, newClient(), owner, PASSWORD));
  });
});
