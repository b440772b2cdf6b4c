import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductDoc } from '../src/model.js';
import { searchProducts } from '../src/search.js';
import {
  ARCHIVE_PRODUCT,
  CREATE_CATEGORY,
  CREATE_PRODUCT,
  UPDATE_PRODUCT,
  collectionCounts,
  createCategory,
  createProduct,
  productInput,
  startProductsPlatform,
  type ProductsPlatform,
} from './support.js';

let p: ProductsPlatform;
beforeAll(async () => {
  p = await startProductsPlatform();
});
afterAll(async () => p?.platform.stop());

const MISSING_ID = '0123456789abcdef01234567';

/** Runs a rejected mutation and checks that no collection changed. */
async function rejected(run: () => Promise<any>): Promise<{ code: string; field: string[] | null }> {
  const before = await collectionCounts(p.service);
  const r = await run();
  expect(r.errors).toBeUndefined();
  const result = Object.values(r.data)[0] as { userErrors: Array<{ code: string; field: string[] | null }> };
  expect(result.userErrors).toHaveLength(1);
  expect(await collectionCounts(p.service)).toEqual(before);
  return result.userErrors[0]!;
}

const create = (input: Record<string, unknown>) => p.admin(CREATE_PRODUCT, { input });
const revisionOf = async (id: string) => (await p.service.models.Product.findById(id).lean<ProductDoc>())!.revision;

describe('who may write', () => {
  it('refuses anonymous callers and customers at the router', async () => {
    const anonymous = await p.anonymous(CREATE_PRODUCT, { input: productInput() });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const customer = await p.customer(CREATE_CATEGORY, { input: { name: 'Nope' } });
    expect(customer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await collectionCounts(p.service)).categories).toBe(0);
  });

  it('refuses customers and services in the subgraph itself', async () => {
    const customer = await p.direct({ userId: p.customerId, role: 'CUSTOMER' }, CREATE_CATEGORY, { input: { name: 'Nope' } });
    expect(customer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const service = await p.direct({ role: 'SERVICE' }, ARCHIVE_PRODUCT, { id: MISSING_ID });
    expect(service.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await p.direct({}, ARCHIVE_PRODUCT, { id: MISSING_ID });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('createCategory', () => {
  it('derives the slug from the name and links parents and children', async () => {
    const home = await createCategory(p, { name: 'Home & Kitchen' });
    expect(home).toMatchObject({ slug: 'home-and-kitchen', name: 'Home & Kitchen', parent: null });
    const cookware = await createCategory(p, { name: 'Cookware', slug: 'pots-and-pans', parentId: home.id });
    expect(cookware.parent).toEqual({ id: home.id, slug: 'home-and-kitchen' });
    const tree = await p.anonymous('{ categories { slug children { slug parent { slug } } } category(slug: "pots-and-pans") { name } }');
    expect(tree.data.categories).toContainEqual({ slug: 'home-and-kitchen', children: [{ slug: 'pots-and-pans', parent: { slug: 'home-and-kitchen' } }] });
    expect(tree.data.category).toEqual({ name: 'Cookware' });
  });

  it('refuses a taken slug, given or generated', async () => {
    await createCategory(p, { name: 'Garden' });
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Garden' } }))).toMatchObject({ code: 'DUPLICATE_SLUG', field: ['input', 'slug'] });
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Outdoor', slug: 'garden' } }))).toMatchObject({ code: 'DUPLICATE_SLUG' });
  });

  it('refuses a name with control, bidi or zero-width characters', async () => {
    for (const name of ['Gar\u0000den', 'Gar\u202eden', 'Gar\u200bden']) {
      expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name } }))).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'name'] });
    }
  });

  it('refuses an unknown parent, a malformed slug and a blank name', async () => {
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Orphan', parentId: MISSING_ID } }))).toEqual({ code: 'NOT_FOUND', field: ['input', 'parentId'], message: expect.any(String) });
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Orphan', parentId: 'not-an-id' } }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Bad', slug: 'Bad Slug' } }))).toMatchObject({ code: 'INVALID_SLUG', field: ['input', 'slug'] });
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: '   ' } }))).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'name'] });
  });

  it('nests at most five levels', async () => {
    let parentId: string | null = null;
    for (let depth = 1; depth <= 5; depth += 1) parentId = (await createCategory(p, { name: `Level ${depth}`, parentId })).id;
    expect(await rejected(() => p.admin(CREATE_CATEGORY, { input: { name: 'Level 6', parentId } }))).toMatchObject({ code: 'CATEGORY_TOO_DEEP', field: ['input', 'parentId'] });
  });
});

describe('createProduct', () => {
  it('stores prices exactly and prints them with two fraction digits', async () => {
    const category = await createCategory(p, { name: 'Audio' });
    const product = await createProduct(
      p,
      { title: 'Studio Monitor Speakers', brand: 'Acme', categoryId: category.id, images: [{ url: 'https://img.example.com/a.jpg', altText: 'front' }] },
      [
        { sku: 'MON-BLK', price: '199', compareAtPrice: '249.5', options: [{ name: 'color', value: 'black' }] },
        { sku: 'MON-WHT', price: '0.1', options: [{ name: 'color', value: 'white' }], title: 'Snow' },
      ],
    );
    expect(product).toMatchObject({
      slug: 'studio-monitor-speakers',
      status: 'ACTIVE',
      brand: 'Acme',
      category: { slug: 'audio' },
      images: [{ url: 'https://img.example.com/a.jpg', altText: 'front' }],
      priceRange: { min: { amount: '0.10', currencyCode: 'USD' }, max: { amount: '199.00', currencyCode: 'USD' } },
    });
    expect(product.variants).toEqual([
      expect.objectContaining({ sku: 'MON-BLK', title: 'black', price: { amount: '199.00', currencyCode: 'USD' }, compareAtPrice: { amount: '249.50', currencyCode: 'USD' } }),
      expect.objectContaining({ sku: 'MON-WHT', title: 'Snow', price: { amount: '0.10', currencyCode: 'USD' }, compareAtPrice: null }),
    ]);
    const read = await p.anonymous('query($slug: String) { product(slug: $slug) { id variants { sku } } }', { slug: 'studio-monitor-speakers' });
    expect(read.data.product).toEqual({ id: product.id, variants: [{ sku: 'MON-BLK' }, { sku: 'MON-WHT' }] });
  });

  it('appends -2, -3 to generated slugs that are taken', async () => {
    const slugs = [];
    for (let i = 0; i < 3; i += 1) slugs.push((await createProduct(p, { title: 'Twin Lamp' })).slug);
    expect(slugs).toEqual(['twin-lamp', 'twin-lamp-2', 'twin-lamp-3']);
  });

  it('refuses a given slug that is taken, leaving no SKU behind', async () => {
    await createProduct(p, { slug: 'the-one' });
    const error = await rejected(() => create(productInput({ slug: 'the-one' }, [{ sku: 'ORPHAN-1' }, { sku: 'ORPHAN-2' }])));
    expect(error).toMatchObject({ code: 'DUPLICATE_SLUG', field: ['input', 'slug'] });
    expect(await p.service.models.Sku.countDocuments({ _id: { $in: ['ORPHAN-1', 'ORPHAN-2'] } })).toBe(0);
    // The SKUs are free for the next attempt.
    await createProduct(p, {}, [{ sku: 'ORPHAN-1' }]);
  });

  it('refuses SKUs repeated in the input or used by another product, naming the variant', async () => {
    await createProduct(p, {}, [{ sku: 'TAKEN-SKU' }]);
    expect(await rejected(() => create(productInput({}, [{ sku: 'NEW-A' }, { sku: 'NEW-A' }])))).toMatchObject({ code: 'DUPLICATE_SKU', field: ['input', 'variants', '1', 'sku'] });
    expect(await rejected(() => create(productInput({}, [{ sku: 'NEW-B' }, { sku: 'NEW-C' }, { sku: 'TAKEN-SKU' }])))).toMatchObject({ code: 'DUPLICATE_SKU', field: ['input', 'variants', '2', 'sku'] });
  });

  it.each([
    ['1.999', 'price'],
    ['-1', 'price'],
    ['12,50', 'price'],
    ['', 'price'],
    ['1e3', 'price'],
  ])('refuses the price %j', async (price, field) => {
    expect(await rejected(() => create(productInput({}, [{}, { price }])))).toEqual({ code: 'INVALID_PRICE', field: ['input', 'variants', '1', field], message: expect.any(String) });
  });

  it('refuses a malformed compareAtPrice', async () => {
    expect(await rejected(() => create(productInput({}, [{ compareAtPrice: 'soon' }])))).toMatchObject({ code: 'INVALID_PRICE', field: ['input', 'variants', '0', 'compareAtPrice'] });
  });

  it.each([-1, 1_000_000_001])('refuses initialStock %i', async (initialStock) => {
    expect(await rejected(() => create(productInput({}, [{ initialStock }])))).toMatchObject({ code: 'INVALID_QUANTITY', field: ['input', 'variants', '0', 'initialStock'] });
  });

  it('refuses an unknown category', async () => {
    expect(await rejected(() => create(productInput({ categoryId: MISSING_ID })))).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'categoryId'] });
  });

  it.each([
    ['an empty title', { title: ' ' }, [{}], 'INVALID_INPUT', ['input', 'title']],
    ['a 201-character title', { title: 'x'.repeat(201) }, [{}], 'INVALID_INPUT', ['input', 'title']],
    ['a malformed slug', { slug: 'Not-OK' }, [{}], 'INVALID_SLUG', ['input', 'slug']],
    ['no variants', {}, [], 'INVALID_INPUT', ['input', 'variants']],
    ['101 variants', {}, Array.from({ length: 101 }, () => ({})), 'INVALID_INPUT', ['input', 'variants']],
    ['a malformed SKU', {}, [{ sku: 'has space' }], 'INVALID_SKU', ['input', 'variants', '0', 'sku']],
    ['a non-http image', { images: [{ url: 'ftp://img.example.com/a.jpg' }] }, [{}], 'INVALID_INPUT', ['input', 'images', '0', 'url']],
    ['a repeated option name', {}, [{ options: [{ name: 'size', value: 'S' }, { name: 'Size', value: 'M' }] }], 'INVALID_INPUT', ['input', 'variants', '0', 'options']],
    ['a title with NUL', { title: 'Plain\u0000Widget' }, [{}], 'INVALID_INPUT', ['input', 'title']],
    ['a title with U+202E (right-to-left override)', { title: 'Plain\u202eWidget' }, [{}], 'INVALID_INPUT', ['input', 'title']],
    ['a title with U+200B (zero-width space)', { title: 'Plain\u200bWidget' }, [{}], 'INVALID_INPUT', ['input', 'title']],
    ['a brand with U+202E', { brand: 'Acme\u202e' }, [{}], 'INVALID_INPUT', ['input', 'brand']],
    ['a description with U+200B', { description: 'A\u200bthing' }, [{}], 'INVALID_INPUT', ['input', 'description']],
    ['an option value with NUL', {}, [{ options: [{ name: 'size', value: 'S\u0000' }] }], 'INVALID_INPUT', ['input', 'variants', '0', 'options', '0', 'value']],
  ])('refuses %s', async (_why, overrides, variants, code, field) => {
    expect(await rejected(() => create(productInput(overrides, variants)))).toMatchObject({ code, field });
  });

  it('stores text composed (NFC), keeps line breaks in a description and takes any script', async () => {
    const mug = await createProduct(p, { title: 'Cafe\u0301 Mug', slug: 'cafe-mug', description: 'Holds 300 ml.\r\nDishwasher safe.', brand: 'Bru\u0308der' });
    expect(mug).toMatchObject({ title: 'Caf\u00e9 Mug', description: 'Holds 300 ml.\nDishwasher safe.', brand: 'Br\u00fcder' });
    expect(await p.service.models.Product.findById(mug.id).lean<ProductDoc>()).toMatchObject({ title: 'Caf\u00e9 Mug', brand: 'Br\u00fcder' });
    const tea = await createProduct(p, { title: '緑茶 ティーバッグ', slug: 'green-tea', brand: 'شاي العروسة' });
    expect(tea).toMatchObject({ title: '緑茶 ティーバッグ', brand: 'شاي العروسة' });
  });

  it('hands initial stock to inventory and keeps nothing pending', async () => {
    const product = await createProduct(p, { title: 'Stocked Kettle' }, [{ sku: 'KETTLE-1', initialStock: 7 }, { sku: 'KETTLE-2', initialStock: 0 }]);
    const r = await p.admin('query($id: ID!) { product(id: $id) { inStock variants { sku inventory { available } } } }', { id: product.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.product).toEqual({ inStock: true, variants: [{ sku: 'KETTLE-1', inventory: { available: 7 } }, { sku: 'KETTLE-2', inventory: { available: 0 } }] });
    expect(await p.service.models.PendingStock.countDocuments()).toBe(0);
    expect((await p.service.models.Sku.findById('KETTLE-1').lean())?.available).toBe(7);
  });

  it('sends stock left pending by a crash on the next retry', async () => {
    const product = await createProduct(p, { title: 'Crashed Toaster' }, [{ sku: 'TOASTER-1' }]);
    // As if the process died after writing the product, before inventory confirmed.
    await p.service.models.PendingStock.collection.insertOne({ _id: new Types.ObjectId(product.id), levels: [{ sku: 'TOASTER-1', available: 4 }], createdAt: new Date(Date.now() - 60_000) } as never);
    expect(await p.service.initialStock.flushPending()).toBe(1);
    expect(await p.service.models.PendingStock.countDocuments()).toBe(0);
    const r = await p.admin('query($id: ID!) { product(id: $id) { variants { inventory { available } } } }', { id: product.id });
    expect(r.data.product.variants).toEqual([{ inventory: { available: 4 } }]);
  });
});

describe('updateProduct and archiveProduct', () => {
  it('changes fields, moves categories, bumps the revision and re-indexes at once', async () => {
    const [kitchen, garden] = [await createCategory(p, { name: 'Kitchenware' }), await createCategory(p, { name: 'Yard' })];
    const product = await createProduct(p, { title: 'Blue Watering Can', categoryId: kitchen.id });
    const before = await revisionOf(product.id);
    const r = await p.admin(UPDATE_PRODUCT, { id: product.id, input: { title: 'Green Watering Can', brand: 'Drip', description: 'Holds 5 litres', categoryId: garden.id, status: 'DRAFT', images: [] } });
    expect(r.data.updateProduct.userErrors).toEqual([]);
    expect(r.data.updateProduct.product).toMatchObject({ title: 'Green Watering Can', brand: 'Drip', description: 'Holds 5 litres', status: 'DRAFT', category: { slug: 'yard' }, slug: 'blue-watering-can' });
    expect(await revisionOf(product.id)).toBeGreaterThan(before);
    const admin = { userId: p.adminId, role: 'ADMIN' as const, clientIp: null, issuer: 'shopcart-router' };
    const found = (query: string) => searchProducts(p.service.index, { query, sort: 'RELEVANCE', first: 10, viewer: admin }).items.map((i) => i.entry.id);
    expect(found('green watering')).toEqual([product.id]);
    expect(found('blue')).not.toContain(product.id);
    // Category pages scan the category's own list of products: the move shows there too.
    const listed = (categorySlug: string) => searchProducts(p.service.index, { filter: { categorySlug }, sort: 'NEWEST', first: 10, viewer: admin }).items.map((i) => i.entry.id);
    expect(listed('yard')).toEqual([product.id]);
    expect(listed('kitchenware')).toEqual([]);
    const cleared = await p.admin(UPDATE_PRODUCT, { id: product.id, input: { brand: null, categoryId: null } });
    expect(cleared.data.updateProduct.product).toMatchObject({ brand: null, category: null, title: 'Green Watering Can' });
    expect(listed('yard')).toEqual([]);
  });

  it('refuses a taken slug, an unknown product and an unknown category, changing nothing', async () => {
    const a = await createProduct(p, { slug: 'slug-a' });
    await createProduct(p, { slug: 'slug-b' });
    const revision = await revisionOf(a.id);
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: a.id, input: { slug: 'slug-b', title: 'Renamed' } }))).toMatchObject({ code: 'DUPLICATE_SLUG', field: ['input', 'slug'] });
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: a.id, input: { categoryId: MISSING_ID } }))).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'categoryId'] });
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: MISSING_ID, input: { title: 'Ghost' } }))).toMatchObject({ code: 'NOT_FOUND', field: ['id'] });
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: 'garbage', input: { title: 'Ghost' } }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: a.id, input: { title: '' } }))).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'title'] });
    expect(await rejected(() => p.admin(UPDATE_PRODUCT, { id: a.id, input: { title: 'Plain\u202eWidget' } }))).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'title'] });
    const stored = await p.service.models.Product.findById(a.id).lean<ProductDoc>();
    expect(stored).toMatchObject({ slug: 'slug-a', title: 'Plain Widget', revision });
  });

  it('archives, bumping the revision; unknown ids are NOT_FOUND', async () => {
    const product = await createProduct(p, { title: 'Old Radio' });
    const before = await revisionOf(product.id);
    const r = await p.admin(ARCHIVE_PRODUCT, { id: product.id });
    expect(r.data.archiveProduct).toEqual({ product: { id: product.id, status: 'ARCHIVED' }, userErrors: [] });
    expect(await revisionOf(product.id)).toBeGreaterThan(before);
    const missing = await p.admin(ARCHIVE_PRODUCT, { id: MISSING_ID });
    expect(missing.data.archiveProduct).toEqual({ product: null, userErrors: [{ code: 'NOT_FOUND', field: ['id'], message: expect.any(String) }] });
  });
});
