import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startPlatform, type Platform } from '@shopcart/testing';
import { startReplicas } from './support/routers.js';
import { metricValue, timedGql, type TimedResponse } from './support/resilience.js';

let platform: Platform;
let shopper: string;
let other: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  const a = await platform.gql(`mutation { register(input: {email: "limited@example.com", password: "limited-password-1", name: "L"}) { accessToken } }`);
  const b = await platform.gql(`mutation { register(input: {email: "other@example.com", password: "other-password-1", name: "O"}) { accessToken } }`);
  shopper = a.data.register.accessToken;
  other = b.data.register.accessToken;
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await platform?.stop();
});

async function replicas(count: number, env: Record<string, string>) {
  const started = await startReplicas(platform, count, env);
  stops.push(started.stop);
  return started;
}

function expectRateLimited(r: TimedResponse): number {
  expect(r.status).toBe(429);
  expect(r.body.data).toBeUndefined();
  expect(r.body.errors).toHaveLength(1);
  expect(r.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  const header = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(header)).toBe(true);
  expect(r.body.errors?.[0]?.extensions?.retryAfter).toBe(header);
  return header;
}

const BROWSE = '{ me { email } }';

describe('rate limits shared by router replicas through Redis', () => {
  it('draws one per-address budget across two routers, answering 429 with a sane Retry-After', async () => {
    const { replicas: [a, b] } = await replicas(2, { RATE_LIMIT_PER_IP: '6', RATE_LIMIT_WINDOW_SECONDS: '30' });
    for (let i = 0; i < 3; i += 1) {
      expect((await timedGql(a!.url, BROWSE)).status).toBe(200);
      expect((await timedGql(b!.url, BROWSE)).status).toBe(200);
    }
    const retryA = expectRateLimited(await timedGql(a!.url, BROWSE));
    const retryB = expectRateLimited(await timedGql(b!.url, BROWSE));
    for (const retry of [retryA, retryB]) {
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(30);
    }
    expect(await metricValue(a!.metricsUrl, 'rate_limited_total', { scope: 'ip' })).toBe(1);
  });

  it('counts a concurrent burst exactly: the budget is served, every request past it is refused', async () => {
    // Requests arriving while the address's Redis call is under way share the next call.
    const { replicas: [a] } = await replicas(1, { RATE_LIMIT_PER_IP: '10', RATE_LIMIT_WINDOW_SECONDS: '30' });
    const burst = await Promise.all(Array.from({ length: 16 }, () => timedGql(a!.url, BROWSE)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    for (const r of burst.filter((r) => r.status === 429)) expectRateLimited(r);
    expect(await metricValue(a!.metricsUrl, 'rate_limited_total', { scope: 'ip' })).toBe(6);
    expectRateLimited(await timedGql(a!.url, BROWSE));
  });

  it('gives each signed-in user a budget of their own', async () => {
    const { replicas: [a, b] } = await replicas(2, { RATE_LIMIT_PER_USER: '3', RATE_LIMIT_PER_IP: '1000' });
    expect((await timedGql(a!.url, BROWSE, { token: shopper })).body.data).toEqual({ me: { email: 'limited@example.com' } });
    expect((await timedGql(b!.url, BROWSE, { token: shopper })).status).toBe(200);
    expect((await timedGql(a!.url, BROWSE, { token: shopper })).status).toBe(200);
    expectRateLimited(await timedGql(b!.url, BROWSE, { token: shopper }));
    // Same address, another user, and anonymous callers are unaffected.
    expect((await timedGql(a!.url, BROWSE, { token: other })).body.data).toEqual({ me: { email: 'other@example.com' } });
    expect((await timedGql(a!.url, BROWSE)).body.data).toEqual({ me: null });
  });

  it('holds login and register to a stricter budget, counted by field whatever the operation is called', async () => {
    const { replicas: [a, b] } = await replicas(2, { RATE_LIMIT_AUTH_PER_IP: '3', RATE_LIMIT_PER_IP: '1000' });
    const login = (name: string, password = 'limited-password-1') =>
      `mutation ${name} { login(input: {email: "limited@example.com", password: "${password}"}) { accessToken userErrors { code } } }`;
    expect((await timedGql(a!.url, login('SignIn'))).body.data.login.accessToken).toEqual(expect.any(String));
    // Two guesses in one request count as two.
    const batched = await timedGql(b!.url, `mutation Browse {
      x: login(input: {email: "limited@example.com", password: "guess-one-1"}) { userErrors { code } }
      y: login(input: {email: "limited@example.com", password: "guess-two-2"}) { userErrors { code } } }`);
    expect(batched.body.data.x.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    const refused = await timedGql(a!.url, login('ProductSearch'));
    expectRateLimited(refused);
    expectRateLimited(await timedGql(b!.url, `mutation { register(input: {email: "late@example.com", password: "late-password-1", name: "L"}) { accessToken } }`));
    // Refused before any subgraph: no account was made.
    expect(await platform.users.models.User.countDocuments({ email: 'late@example.com' })).toBe(0);
    // Everything else stays within the general budget.
    expect((await timedGql(a!.url, BROWSE, { token: shopper })).status).toBe(200);
    expect(await metricValue(a!.metricsUrl, 'rate_limited_total', { scope: 'auth' })).toBe(1);
  });

  it('falls back to limits per replica, without waiting, when Redis is unreachable', async () => {
    const deadPort = await freePort();
    const { replicas: [a] } = await replicas(1, { REDIS_URL: `redis://127.0.0.1:${deadPort}`, RATE_LIMIT_PER_IP: '3' });
    const times: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await timedGql(a!.url, BROWSE);
      expect(r.status).toBe(200);
      times.push(r.ms);
    }
    expectRateLimited(await timedGql(a!.url, BROWSE));
    expect(Math.max(...times)).toBeLessThan(1_000);
  });
});
