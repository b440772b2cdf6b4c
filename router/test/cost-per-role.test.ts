import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPlatform, type Platform } from '@shopcart/testing';

let platform: Platform;
let customer: string;
let admin: string;

// A page of 100 products with variants and prices costs about 2,700 (graphql-armor's
// weights), 10 of them about 270, the default 20 about 540.
const PAGE = (first: string) => `query Page${first ? '($n: Int)' : ''} { products${first ? '(first: $n)' : ''} { nodes { title variants { sku price { amount } } } } }`;
const LITERAL_PAGE = '{ products(first: 100) { nodes { title variants { sku price { amount } } } } }';

beforeAll(async () => {
  platform = await startPlatform({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    subgraphs: ['users', 'inventory', 'products'],
    env: { MAX_COST: '1000', ADMIN_MAX_COST: '5000' },
  });
  customer = (await platform.gql(`mutation { register(input: {email: "cost@example.com", password: "cost-password-1", name: "C"}) { accessToken } }`)).data.register.accessToken;
  admin = (await platform.gql(`mutation { login(input: {email: "admin@shopcart.dev", password: "shopcart-admin"}) { accessToken } }`)).data.login.accessToken;
});
afterAll(async () => platform?.stop());

const expectTooExpensive = (r: Awaited<ReturnType<Platform['gql']>>) => {
  expect(r.status).toBe(400);
  expect(r.data).toBeUndefined();
  expect(r.errors).toEqual([{ message: 'Operation is too expensive; ask for fewer items or fields', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
};

describe('operation cost limits per role', () => {
  it('refuses customers and anonymous callers an operation over MAX_COST, without revealing the limit', async () => {
    expectTooExpensive(await platform.gql(LITERAL_PAGE, undefined, { token: customer }));
    expectTooExpensive(await platform.gql(LITERAL_PAGE));
  });

  it('lets admins run the same operation, up to ADMIN_MAX_COST', async () => {
    const r = await platform.gql(LITERAL_PAGE, undefined, { token: admin });
    expect(r.errors).toBeUndefined();
    expect(r.data.products.nodes).toEqual(expect.any(Array));
    // Five such pages in one operation are too much even for an admin.
    const five = `{ ${[1, 2, 3, 4, 5].map((i) => `p${i}: products(first: 100) { nodes { title variants { sku price { amount } } } }`).join(' ')} }`;
    expectTooExpensive(await platform.gql(five, undefined, { token: admin }));
  });

  it('costs a page size given as a variable, or left to the default, like a literal one', async () => {
    expectTooExpensive(await platform.gql(PAGE('n'), { n: 100 }, { token: customer }));
    const small = await platform.gql(PAGE('n'), { n: 10 }, { token: customer });
    expect(small.errors).toBeUndefined();
    const byDefault = await platform.gql(PAGE(''), undefined, { token: customer });
    expect(byDefault.errors).toBeUndefined();
    expect(byDefault.data.products.nodes).toEqual(expect.any(Array));
  });

  it('decides the same document afresh for each page size and role, declared defaults included', async () => {
    // One query text (one parsed document on the router) asked again and again: each answer
    // depends on this request's sizes and caller, never on an earlier request's.
    const query = PAGE('n');
    const runs: Array<[number, string | undefined, boolean]> = [
      [100, customer, false],
      [100, admin, true],
      [10, customer, true],
      [100, undefined, false],
      [10, undefined, true],
      [100, admin, true],
      [100, customer, false],
    ];
    for (const [n, token, allowed] of runs) {
      const r = await platform.gql(query, { n }, token ? { token } : {});
      if (allowed) expect(r.errors, `first: ${n}`).toBeUndefined();
      else expectTooExpensive(r);
    }
    const declared = 'query Declared($n: Int = 100) { products(first: $n) { nodes { title variants { sku price { amount } } } } }';
    expectTooExpensive(await platform.gql(declared, undefined, { token: customer }));
    expect((await platform.gql(declared, { n: 5 }, { token: customer })).errors).toBeUndefined();
    // An explicit null is no size: the page falls back to the schema's default (20), costed so.
    expect((await platform.gql(declared, { n: null }, { token: customer })).errors).toBeUndefined();
    const small = 'query Small($n: Int = 1) { products(first: $n) { nodes { title variants { sku price { amount } } } } }';
    expect((await platform.gql(small, { n: null }, { token: customer })).data.products.nodes).toEqual(expect.any(Array));
    // A variable named after an Object.prototype member is costed by its declared default, not skipped.
    const inherited = 'query Inherited($constructor: Int = 100) { products(first: $constructor) { nodes { title variants { sku price { amount } } } } }';
    expectTooExpensive(await platform.gql(inherited, undefined, { token: customer }));
  });
});
