import { createHash } from 'node:crypto';
import { connectRedis, createLogger, waitForRedis } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';
import { startReplicas, type Replica } from './support/routers.js';
import { timedGql } from './support/resilience.js';

let platform: Platform;
let customer: string;
let admin: string;
let a: Replica;
let b: Replica;
let prefix: string;
let stopReplicas: () => Promise<void>;
const TTL_SECONDS = 600;

beforeAll(async () => {
  platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl') });
  customer = (await platform.gql(`mutation { register(input: {email: "apq@example.com", password: "apq-password-1", name: "A"}) { accessToken } }`)).data.register.accessToken;
  admin = (await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`)).data.login.accessToken;
  const started = await startReplicas(platform, 2, { APQ_TTL_SECONDS: String(TTL_SECONDS) });
  [a, b] = started.replicas as [Replica, Replica];
  prefix = started.prefix;
  stopReplicas = started.stop;
});
afterAll(async () => {
  await stopReplicas?.();
  await platform?.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/** Sends only the hash, as an APQ client does first. */
const byHash = (replica: Replica, query: string, token?: string) => timedGql(replica.url, undefined as never, { token, extensions: persisted(sha256(query)) });
/** Sends the query with its hash, which registers it. */
const register = (replica: Replica, query: string, token?: string) => timedGql(replica.url, query, { token, extensions: persisted(sha256(query)) });

describe('automatic persisted queries shared by router replicas', () => {
  it('asks for the query once, then serves the hash alone on every replica, kept for a bounded time', async () => {
    const query = 'query Me { me { email } }';
    const unknown = await byHash(a, query, customer);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(unknown.body.data).toBeUndefined();

    const registered = await register(a, query, customer);
    expect(registered.body).toEqual({ data: { me: { email: 'apq@example.com' } } });

    const elsewhere = await byHash(b, query, customer);
    expect(elsewhere.body).toEqual({ data: { me: { email: 'apq@example.com' } } });

    const redis = connectRedis(inject('redisUrl'), createLogger('test', 'silent'), 'test', prefix);
    try {
      await waitForRedis(redis);
      const key = `router:apq:${sha256(query)}`;
      expect(await redis.get(key)).toBe(query);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a query whose hash does not match and stores nothing for it', async () => {
    const query = '{ categories { name } }';
    const wrong = await timedGql(a.url, query, { extensions: persisted(sha256('{ me { id } }')) });
    expect(wrong.status).toBe(400);
    expect((await byHash(b, '{ me { id } }')).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('does not register an operation the caller may not run', async () => {
    const query = '{ __schema { queryType { name } } }';
    const replicas = await startReplicas(platform, 1, { INTROSPECTION: 'false' });
    try {
      const [locked] = replicas.replicas;
      const refused = await register(locked!, query, customer);
      expect(refused.status).toBe(400);
      expect((await byHash(locked!, query, admin)).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await replicas.stop();
    }
  });

  it("never hands one role's pruned plan to another, whoever registered the query and wherever it runs", async () => {
    const mixed = 'query Mixed { me { email } users(first: 5) { totalCount } }';
    const asCustomer = await register(a, mixed, customer);
    expect(asCustomer.body.data).toEqual({ me: { email: 'apq@example.com' }, users: null });
    expect(asCustomer.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['users'], 'FORBIDDEN']]);

    for (const replica of [b, a]) {
      const asAdmin = await byHash(replica, mixed, admin);
      expect(asAdmin.body.errors).toBeUndefined();
      expect(asAdmin.body.data.users.totalCount).toBeGreaterThanOrEqual(2);
      expect(asAdmin.body.data.me.email).toBe('admin@shopcart.dev');
      const again = await byHash(replica, mixed, customer);
      expect(again.body).toEqual(asCustomer.body);
    }

    const adminFirst = 'query AdminFirst { users(first: 3) { nodes { email } } me { email } }';
    expect((await register(b, adminFirst, admin)).body.data.users.nodes).toContainEqual({ email: 'admin@shopcart.dev' });
    const anonymous = await byHash(a, adminFirst);
    expect(anonymous.body.data).toEqual({ users: null, me: null });
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('what persisted queries may store', () => {
  let bounded: Replica;
  let stopBounded: () => Promise<void>;
  let boundedPrefix: string;
  const APQ_DB = 1;

  beforeAll(async () => {
    const started = await startReplicas(platform, 1, { APQ_MAX_BYTES: '300', APQ_REGISTRATIONS_PER_CLIENT: '2', APQ_REDIS_URL: `${inject('redisUrl')}/${APQ_DB}` });
    bounded = started.replicas[0]!;
    boundedPrefix = started.prefix;
    stopBounded = started.stop;
  });
  afterAll(async () => stopBounded?.());

  it('keeps documents in their own Redis, serves a document over APQ_MAX_BYTES without keeping it', async () => {
    const small = 'query Small { me { email } }';
    expect((await register(bounded, small, customer)).body.errors).toBeUndefined();
    const apq = connectRedis(`${inject('redisUrl')}/${APQ_DB}`, createLogger('test', 'silent'), 'test', boundedPrefix);
    const carts = connectRedis(inject('redisUrl'), createLogger('test', 'silent'), 'test', boundedPrefix);
    try {
      await Promise.all([waitForRedis(apq), waitForRedis(carts)]);
      expect(await apq.get(`router:apq:${sha256(small)}`)).toBe(small);
      expect(await carts.get(`router:apq:${sha256(small)}`)).toBeNull();
    } finally {
      apq.disconnect();
      carts.disconnect();
    }

    // Padding inside an otherwise valid document: served, not kept.
    const large = `query Large { me { email } } # ${'x'.repeat(300)}`;
    expect(Buffer.byteLength(large)).toBeGreaterThan(300);
    const served = await register(bounded, large, customer);
    expect(served.body).toEqual({ data: { me: { email: 'apq@example.com' } } });
    expect((await byHash(bounded, large, customer)).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('keeps at most APQ_REGISTRATIONS_PER_CLIENT new documents per client an hour, serving the rest', async () => {
    // The first test registered one document from this client; one more is kept, the third is not.
    const second = 'query Second { me { id } }';
    const third = 'query Third { me { name } }';
    for (const query of [second, third]) expect((await register(bounded, query, customer)).body.errors).toBeUndefined();
    expect((await byHash(bounded, second, customer)).body.errors).toBeUndefined();
    expect((await byHash(bounded, third, customer)).body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
