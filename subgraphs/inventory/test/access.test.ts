import { createServiceSigner } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { COMMIT, INITIALIZE, inventoryOps, LEVELS, RELEASE, RESERVE, startInventoryPlatform, uniqueSku, type InventoryPlatform } from './support.js';

let inv: InventoryPlatform;
let ops: ReturnType<typeof inventoryOps>;
let adminToken: string;
let customerToken: string;
let customerId: string;

const SET = `mutation Set($sku: String!, $available: Int!) {
  setInventory(sku: $sku, available: $available) { variant { sku inventory { available inStock } } userErrors { code field message } }
}`;

beforeAll(async () => {
  inv = await startInventoryPlatform();
  ops = inventoryOps(inv);
  const login = await inv.platform.gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }');
  adminToken = login.data.login.accessToken;
  const register = await inv.platform.gql('mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }', {
    i: { email: 'shopper@example.com', password: 'correct horse battery', name: 'Shopper' },
  });
  customerToken = register.data.register.accessToken;
  customerId = register.data.register.user.id;
});
afterAll(async () => inv?.platform.stop());

describe('setInventory through the router', () => {
  it('lets an admin set the sellable quantity, creating the level on first use', async () => {
    const sku = uniqueSku('ADMIN-SET');
    const first = await inv.platform.gql(SET, { sku, available: 7 }, { token: adminToken });
    expect(first.errors).toBeUndefined();
    expect(first.data.setInventory).toEqual({ variant: { sku, inventory: { available: 7, inStock: true } }, userErrors: [] });
    const second = await inv.platform.gql(SET, { sku, available: 0 }, { token: adminToken });
    expect(second.data.setInventory.variant.inventory).toEqual({ available: 0, inStock: false });
    expect(await ops.levels(sku)).toEqual({ [sku]: 0 });
    expect((await inv.service.models.Stock.findOne({ sku }).lean())?.version).toBe(2);
  });

  it('refuses customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED) and changes nothing', async () => {
    const sku = uniqueSku('GUARDED');
    await ops.initialize([{ sku, available: 3 }]);
    const customer = await inv.platform.gql(SET, { sku, available: 99 }, { token: customerToken });
    expect(customer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await inv.platform.gql(SET, { sku, available: 99 });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await ops.levels(sku)).toEqual({ [sku]: 3 });
  });

  it.each([
    ['negative', -1, 'INVALID_QUANTITY', ['available']],
    ['above one billion', 1_000_000_001, 'INVALID_QUANTITY', ['available']],
  ])('answers a %s quantity with %s and leaves the level alone', async (_why, available, code, field) => {
    const sku = uniqueSku('INVALID');
    await ops.initialize([{ sku, available: 5 }]);
    const r = await inv.platform.gql(SET, { sku, available }, { token: adminToken });
    expect(r.errors).toBeUndefined();
    expect(r.data.setInventory.variant).toBeNull();
    expect(r.data.setInventory.userErrors).toEqual([expect.objectContaining({ code, field })]);
    expect(await ops.levels(sku)).toEqual({ [sku]: 5 });
    expect((await inv.service.models.Stock.findOne({ sku }).lean())?.version).toBe(1);
  });

  it.each([[''], ['has spaces'], ['x'.repeat(65)]])('answers the SKU %j with VARIANT_NOT_FOUND and stores nothing', async (sku) => {
    const before = await inv.service.models.Stock.countDocuments();
    const r = await inv.platform.gql(SET, { sku, available: 1 }, { token: adminToken });
    expect(r.data.setInventory).toEqual({ variant: null, userErrors: [expect.objectContaining({ code: 'VARIANT_NOT_FOUND', field: ['sku'] })] });
    expect(await inv.service.models.Stock.countDocuments()).toBe(before);
  });

  it('rechecks the role in the subgraph for a router-signed customer', async () => {
    const sku = uniqueSku('RECHECK');
    await ops.initialize([{ sku, available: 2 }]);
    const r = await inv.asViewer({ userId: customerId, role: 'CUSTOMER' }, SET, { sku, available: 50 });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await ops.levels(sku)).toEqual({ [sku]: 2 });
  });
});

describe('internal operations', () => {
  const internal = (sku: string): Array<[string, string, Record<string, unknown>]> => [
    ['reserveStock', RESERVE, { id: `internal-${sku}`, lines: [{ sku, quantity: 1 }], ttl: 60 }],
    ['commitReservation', COMMIT, { id: `internal-${sku}` }],
    ['releaseReservation', RELEASE, { id: `internal-${sku}` }],
    ['initializeStock', INITIALIZE, { levels: [{ sku: `${sku}-new`, available: 9 }] }],
    ['stockLevels', LEVELS, { skus: [sku] }],
  ];

  async function expectUntouched(sku: string) {
    expect(await ops.levels(sku, `${sku}-new`)).toEqual({ [sku]: 4, [`${sku}-new`]: 0 });
    expect(await inv.service.models.Reservation.countDocuments({ _id: `internal-${sku}` })).toBe(0);
  }

  it.each([
    ['a router-signed customer', { role: 'CUSTOMER' as const }],
    ['a router-signed admin', { role: 'ADMIN' as const }],
    ['a router-signed anonymous caller', { role: 'ANONYMOUS' as const }],
  ])('refuses %s with FORBIDDEN for every internal operation', async (_who, viewer) => {
    const sku = uniqueSku('INTERNAL');
    await ops.initialize([{ sku, available: 4 }]);
    for (const [field, query, variables] of internal(sku)) {
      const r = await inv.asViewer({ ...viewer, userId: viewer.role === 'ANONYMOUS' ? null : customerId }, query, variables);
      expect(r.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
      expect(r.data, field).toBeNull();
    }
    await expectUntouched(sku);
  });

  it('answers a request without identity with HTTP 401 and no data', async () => {
    const sku = uniqueSku('NOIDENT');
    await ops.initialize([{ sku, available: 4 }]);
    for (const [field, query, variables] of internal(sku)) {
      const r = await postGraphQL<any>(inv.url, query, variables);
      expect(r.status, field).toBe(401);
      expect(r.body, field).not.toHaveProperty('data');
    }
    await expectUntouched(sku);
  });

  it('refuses a service token minted for another subgraph', async () => {
    const signer = await createServiceSigner('orders', inv.platform.keys.services.orders!.privateKey);
    const token = await signer!.sign('products', { userId: null, role: 'SERVICE', clientIp: null });
    const r = await postGraphQL<any>(inv.url, LEVELS, { skus: ['ANY'] }, { token });
    expect(r.status).toBe(401);
  });

  it('accepts a service identity', async () => {
    const sku = uniqueSku('SERVICE');
    await ops.initialize([{ sku, available: 4 }]);
    expect(await ops.levels(sku)).toEqual({ [sku]: 4 });
    expect((await ops.reserve(`svc-${sku}`, [{ sku, quantity: 1 }])).status).toBe('HELD');
  });

  it('is not part of the public API: the router refuses internal fields', async () => {
    const r = await inv.platform.gql('{ stockLevels(skus: ["ANY"]) { sku available } }', {}, { token: adminToken });
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.data ?? null).toBeNull();
  });
});

describe('initializeStock', () => {
  it('never overwrites an existing level, so a replay cannot undo sales', async () => {
    const sku = uniqueSku('INIT');
    expect(await ops.initialize([{ sku, available: 5 }])).toBe(true);
    await ops.reserve(`init-${sku}`, [{ sku, quantity: 2 }]);
    await ops.commit(`init-${sku}`);
    const added = uniqueSku('INIT-NEW');
    expect(await ops.initialize([{ sku, available: 5 }, { sku: added, available: 6 }])).toBe(true);
    expect(await ops.levels(sku, added)).toEqual({ [sku]: 3, [added]: 6 });
    expect((await inv.service.models.Stock.findOne({ sku }).lean())?.version).toBe(2); // created, reserved; the commit moved no units
  });

  it.each([
    ['a negative level', (sku: string) => [{ sku, available: -1 }]],
    ['a malformed SKU', (sku: string) => [{ sku, available: 1 }, { sku: 'bad sku', available: 1 }]],
    ['a SKU twice', (sku: string) => [{ sku, available: 1 }, { sku, available: 2 }]],
  ])('refuses %s with BAD_USER_INPUT and stores nothing', async (_why, levels) => {
    const sku = uniqueSku('INIT-BAD');
    const r = await postGraphQL<any>(inv.url, INITIALIZE, { levels: levels(sku) }, {
      token: await (await createServiceSigner('products', inv.platform.keys.services.products!.privateKey))!.sign('inventory', { userId: null, role: 'SERVICE', clientIp: null }),
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await inv.service.models.Stock.countDocuments({ sku })).toBe(0);
  });
});

describe('operational endpoints', () => {
  it('/ready checks MongoDB and Redis', async () => {
    const r = await fetch(new URL('/ready', inv.url));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, checks: { mongodb: true, redis: true } });
  });
});
