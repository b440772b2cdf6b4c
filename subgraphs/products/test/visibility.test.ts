import { createServiceSigner } from '@shopcart/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '@shopcart/testing';
import { ARCHIVE_PRODUCT, SEARCH, createCategory, createProduct, startProductsPlatform, type ProductsPlatform } from './support.js';

let p: ProductsPlatform;
const products: Record<'active' | 'draft' | 'archived', { id: string; slug: string; variants: Array<{ id: string; sku: string }> }> = {} as never;

beforeAll(async () => {
  p = await startProductsPlatform();
  const category = await createCategory(p, { name: 'Lamps' });
  products.active = await createProduct(p, { title: 'Visible Lamp', categoryId: category.id });
  products.draft = await createProduct(p, { title: 'Draft Lamp', status: 'DRAFT', categoryId: category.id });
  products.archived = await createProduct(p, { title: 'Archived Lamp', categoryId: category.id });
  await p.admin(ARCHIVE_PRODUCT, { id: products.archived.id });
});
afterAll(async () => p?.platform.stop());

const PRODUCT = 'query($id: ID, $slug: String) { product(id: $id, slug: $slug) { id status } }';
const ENTITIES = `query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Product { id status }
  ... on ProductVariant { id sku product { id } }
} }`;

const representations = (which: 'active' | 'draft' | 'archived') => {
  const product = products[which];
  return [
    { __typename: 'Product', id: product.id },
    { __typename: 'ProductVariant', id: product.variants[0]!.id },
    { __typename: 'ProductVariant', sku: product.variants[0]!.sku },
  ];
};

describe.each([
  ['anonymous callers', () => p.anonymous],
  ['customers', () => p.customer],
])('%s', (_who, caller) => {
  it('get null for DRAFT and ARCHIVED products by id and slug, the ACTIVE one otherwise', async () => {
    for (const which of ['draft', 'archived'] as const) {
      expect((await caller()(PRODUCT, { id: products[which].id })).data.product).toBeNull();
      expect((await caller()(PRODUCT, { slug: products[which].slug })).data.product).toBeNull();
    }
    expect((await caller()(PRODUCT, { slug: products.active.slug })).data.product).toEqual({ id: products.active.id, status: 'ACTIVE' });
  });

  it('find only ACTIVE products, whatever statuses they ask for', async () => {
    for (const filter of [{}, { statuses: ['DRAFT', 'ARCHIVED'] }, { categorySlug: 'lamps' }]) {
      const r = await caller()(SEARCH, { query: 'lamp', filter });
      expect(r.errors).toBeUndefined();
      expect(r.data.products.nodes.map((n: { id: string }) => n.id)).toEqual([products.active.id]);
      expect(r.data.products.totalCount).toBe(1);
    }
  });
});

describe('entity references', () => {
  it('resolve hidden products and their variants to null for anonymous callers and customers', async () => {
    for (const viewer of [{}, { userId: p.customerId, role: 'CUSTOMER' as const }]) {
      for (const which of ['draft', 'archived'] as const) {
        const r = await p.direct(viewer, ENTITIES, { reps: representations(which) });
        expect(r.errors).toBeUndefined();
        expect(r.data._entities).toEqual([null, null, null]);
      }
      const active = await p.direct(viewer, ENTITIES, { reps: representations('active') });
      const variant = products.active.variants[0]!;
      expect(active.data._entities).toEqual([
        { id: products.active.id, status: 'ACTIVE' },
        { id: variant.id, sku: variant.sku, product: { id: products.active.id } },
        { id: variant.id, sku: variant.sku, product: { id: products.active.id } },
      ]);
    }
  });

  it('resolve every status for admins and for services', async () => {
    const admin = await p.direct({ userId: p.adminId, role: 'ADMIN' }, ENTITIES, { reps: representations('draft') });
    expect(admin.data._entities.map((e: { id: string }) => e?.id)).toEqual([products.draft.id, products.draft.variants[0]!.id, products.draft.variants[0]!.id]);
    const orders = await createServiceSigner('orders', p.platform.keys.services.orders!.privateKey);
    const token = await orders!.sign('products', { userId: null, role: 'SERVICE', clientIp: null });
    const service = await postGraphQL<any>(p.platform.subgraphUrls.products!, ENTITIES, { reps: representations('archived') }, { token });
    expect(service.data._entities[0]).toEqual({ id: products.archived.id, status: 'ARCHIVED' });
  });

  it('resolve unknown ids and SKUs to null', async () => {
    const r = await p.direct({ userId: p.adminId, role: 'ADMIN' }, ENTITIES, {
      reps: [
        { __typename: 'Product', id: '0123456789abcdef01234567' },
        { __typename: 'Product', id: 'not-an-id' },
        { __typename: 'ProductVariant', id: '0123456789abcdef01234567' },
        { __typename: 'ProductVariant', sku: 'NO-SUCH-SKU' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([null, null, null, null]);
  });
});

describe('admins', () => {
  it('see every status by id, slug and search, and can narrow by status', async () => {
    for (const which of ['draft', 'archived'] as const) {
      expect((await p.admin(PRODUCT, { slug: products[which].slug })).data.product.id).toBe(products[which].id);
    }
    const all = await p.admin(SEARCH, { query: 'lamp' });
    expect(all.data.products.totalCount).toBe(3);
    const drafts = await p.admin(SEARCH, { query: 'lamp', filter: { statuses: ['DRAFT'] } });
    expect(drafts.data.products.nodes.map((n: { id: string }) => n.id)).toEqual([products.draft.id]);
  });
});

describe('the products subgraph reached directly', () => {
  it('refuses requests without router identity', async () => {
    const r = await postGraphQL<any>(p.platform.subgraphUrls.products!, '{ products { totalCount } }');
    expect(r.status).toBe(401);
    expect(r.body).not.toHaveProperty('data');
  });

  it('reports the index in /ready', async () => {
    const r = await fetch(new URL('/ready', p.platform.subgraphUrls.products));
    expect(await r.json()).toEqual({ ready: true, checks: { mongodb: true, redis: true, index: true } });
  });
});
