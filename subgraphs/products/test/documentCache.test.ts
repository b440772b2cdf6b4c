import { listen, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL, serviceKeyEnv } from '@shopcart/testing';
import { loadProductsEnv } from '../src/env.js';
import { createProductsService, type ProductsService } from '../src/server.js';
import { ARCHIVE_PRODUCT, createProduct, startProductsPlatform, type ProductsPlatform } from './support.js';

/**
 * Pages and entity references are answered from the documents each replica
 * keeps beside its search index: writes show at once on the replica that
 * made them and within CATALOG_SYNC_MS on the others.
 */
const SYNC_MS = 300;
let p: ProductsPlatform;
let replica: ProductsService;
let replicaUrl: string;
/** Catalog reads (products, skus, categories) the replica sent while `counting`; the change-log polls are not counted. */
let catalogReads: string[] = [];
let counting = false;

beforeAll(async () => {
  p = await startProductsPlatform();
  replica = await createProductsService(
    loadProductsEnv({ ...p.platform.env, ...serviceKeyEnv('products', p.platform.keys), CATALOG_SYNC_MS: String(SYNC_MS), MONGO_MONITOR_COMMANDS: 'true' }),
  );
  await replica.sync.loaded;
  replicaUrl = `http://127.0.0.1:${await listen(replica.http.server, 0, '127.0.0.1')}/graphql`;
  replica.connection.getClient().on('commandStarted', (event) => {
    const collection = event.command[event.commandName];
    if (counting && ['products', 'skus', 'categories'].includes(collection)) catalogReads.push(`${event.commandName} ${collection}`);
  });
});
afterAll(async () => {
  if (replica) {
    await replica.http.shutdown(1_000);
    await replica.close();
  }
  await p?.platform.stop();
});

const UPDATE_VARIANT = `mutation($id: ID!, $input: VariantUpdateInput!) { updateVariant(id: $id, input: $input) { product { id } userErrors { code message } } }`;
const PAGE = `query { products(first: 50, sort: NEWEST) { nodes { id title category { name } variants { sku price { amount } } } } }`;
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Product { id title status variants { price { amount } } }
  ... on ProductVariant { id sku price { amount } product { id } }
} }`;

async function onReplica(viewer: Partial<Omit<Viewer, 'issuer'>>, query: string, variables?: Record<string, unknown>): Promise<any> {
  const token = await p.router.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer });
  const r = await postGraphQL<any>(replicaUrl, query, variables, { token });
  expect(r.errors).toBeUndefined();
  return r.data;
}

const representations = (product: any) => [
  { __typename: 'Product', id: product.id },
  { __typename: 'ProductVariant', id: product.variants[0].id },
  { __typename: 'ProductVariant', sku: product.variants[0].sku },
];

const priceOnPage = (data: any, id: string) => data.products.nodes.find((n: any) => n.id === id)?.variants[0].price.amount;
const afterSyncPeriod = () => new Promise((resolve) => setTimeout(resolve, SYNC_MS + 200));

async function readsWhile(work: () => Promise<unknown>): Promise<string[]> {
  catalogReads = [];
  counting = true;
  try {
    await work();
  } finally {
    counting = false;
  }
  return catalogReads;
}

describe('the document cache', () => {
  it('shows a price change through the router at once, and on another replica within the sync period', async () => {
    const product = await createProduct(p, { title: 'Priced Lamp' }, [{ price: '20.00' }]);
    await afterSyncPeriod();
    expect(priceOnPage(await onReplica({}, PAGE), product.id)).toBe('20.00');

    const r = await p.admin(UPDATE_VARIANT, { id: product.variants[0].id, input: { price: '25.50' } });
    expect(r.data.updateVariant.userErrors).toEqual([]);
    expect(priceOnPage((await p.anonymous(PAGE)).data, product.id)).toBe('25.50');
    expect((await p.anonymous('query($id: ID) { product(id: $id) { variants { price { amount } } } }', { id: product.id })).data.product.variants[0].price.amount).toBe('25.50');

    await afterSyncPeriod();
    expect(priceOnPage(await onReplica({}, PAGE), product.id)).toBe('25.50');
    const [, byId, bySku] = (await onReplica({}, ENTITIES, { reps: representations(product) }))._entities;
    expect([byId.price.amount, bySku.price.amount]).toEqual(['25.50', '25.50']);
  });

  it('hides an archived product from shoppers at once, and on another replica within the sync period; admins still see it', async () => {
    const product = await createProduct(p, { title: 'Archived Lamp' });
    await afterSyncPeriod();
    expect((await onReplica({}, ENTITIES, { reps: representations(product) }))._entities.map((e: any) => e?.id ?? null)).not.toContain(null);

    const r = await p.admin(ARCHIVE_PRODUCT, { id: product.id });
    expect(r.data.archiveProduct.userErrors).toEqual([]);
    expect((await p.anonymous('query($id: ID) { product(id: $id) { id } }', { id: product.id })).data.product).toBeNull();
    expect((await p.direct({}, ENTITIES, { reps: representations(product) })).data._entities).toEqual([null, null, null]);

    await afterSyncPeriod();
    expect((await onReplica({}, ENTITIES, { reps: representations(product) }))._entities).toEqual([null, null, null]);
    expect((await onReplica({}, PAGE)).products.nodes.map((n: any) => n.id)).not.toContain(product.id);
    const admin = await onReplica({ userId: p.adminId, role: 'ADMIN' }, ENTITIES, { reps: representations(product) });
    expect(admin._entities[0]).toMatchObject({ id: product.id, status: 'ARCHIVED' });
  });

  it('answers pages and entity references by id and by SKU without reading the database once synced', async () => {
    const products = [await createProduct(p, { title: 'Warm One' }), await createProduct(p, { title: 'Warm Two' })];
    await afterSyncPeriod();
    const reps = products.flatMap(representations);
    const reads = await readsWhile(async () => {
      const data = await onReplica({}, ENTITIES, { reps });
      expect(data._entities.map((e: any) => e.id)).toEqual(products.flatMap((x) => [x.id, x.variants[0].id, x.variants[0].id]));
      expect((await onReplica({}, PAGE)).products.nodes.length).toBeGreaterThanOrEqual(2);
    });
    expect(reads).toEqual([]);
  });

  it('reads a product it has not synced yet in one query per fetch', async () => {
    // Written straight to the store and never announced: no poll brings it in.
    const { Product, Sku } = replica.models;
    const _id = new Types.ObjectId();
    const sku = `UNSYNCED-${String(_id)}`;
    await Product.create({
      _id,
      title: 'Not Yet Synced',
      slug: `not-yet-synced-${String(_id)}`,
      status: 'ACTIVE',
      currency: 'USD',
      variants: [{ _id: new Types.ObjectId(), sku, title: 'Default', options: [], priceMinor: 700, compareAtMinor: null, position: 0 }],
      priceMin: 700,
      priceMax: 700,
      revision: 0,
    });
    await Sku.create({ _id: sku, productId: _id });
    const known = (await createProduct(p, { title: 'Known' })) as any;
    await afterSyncPeriod();
    const unsynced = { id: String(_id), variants: [{ id: 'ffffffffffffffffffffffff', sku }] };
    let data: any;
    const reads = await readsWhile(async () => {
      data = await onReplica({}, ENTITIES, { reps: [...representations(known), { __typename: 'Product', id: String(_id) }, { __typename: 'ProductVariant', sku: unsynced.variants[0]!.sku }] });
    });
    expect(data._entities.map((e: any) => e?.id ?? null)).toEqual([known.id, known.variants[0].id, known.variants[0].id, String(_id), expect.any(String)]);
    expect(data._entities[4]).toMatchObject({ sku, price: { amount: '7.00' }, product: { id: String(_id) } });
    // One read of the SKU's product id, one of the missing products (both references' products in one query).
    expect([...reads].sort()).toEqual(['find products', 'find skus']);
  });
});
