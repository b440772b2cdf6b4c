import { listen, type Viewer } from '@shopcart/kit';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCategories, generateProducts, postGraphQL, serviceKeyEnv } from '@shopcart/testing';
import { loadProductsEnv } from '../src/env.js';
import { importCatalog } from '../src/importCatalog.js';
import { nextRevision, type ProductDoc } from '../src/model.js';
import { searchProducts } from '../src/search.js';
import { createProductsService, type ProductsService } from '../src/server.js';
import { ARCHIVE_PRODUCT, UPDATE_PRODUCT, createProduct, startProductsPlatform, type ProductsPlatform } from './support.js';

let p: ProductsPlatform;
/** A second replica on the same database; it polls only when told to. */
let replica: ProductsService;
let replicaUrl: string;
const anonymous: Viewer = { userId: null, role: 'ANONYMOUS', clientIp: null, issuer: 'shopcart-router' };

beforeAll(async () => {
  p = await startProductsPlatform();
  await createProduct(p, { title: 'Before The Replica' });
  replica = await createProductsService(
    loadProductsEnv({ ...p.platform.env, ...serviceKeyEnv('products', p.platform.keys), CATALOG_SYNC_MS: '3600000', MONGO_MONITOR_COMMANDS: 'true' }),
  );
  await replica.sync.loaded;
  replicaUrl = `http://127.0.0.1:${await listen(replica.http.server, 0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  if (replica) {
    await replica.http.shutdown(1_000);
    await replica.close();
  }
  await p?.platform.stop();
});

/** A minimal stored product, written straight to MongoDB. */
function productDoc(_id: Types.ObjectId, revision: number, title: string): Partial<ProductDoc> {
  return {
    _id,
    title,
    slug: `${title.toLowerCase().replace(/\W+/g, '-')}-${String(_id)}`,
    currency: 'USD',
    variants: [{ _id: new Types.ObjectId(), sku: `RAW-${String(_id)}`, title: 'Default', options: [], priceMinor: 500, compareAtMinor: null, position: 0 }],
    priceMin: 500,
    priceMax: 500,
    revision,
  };
}

describe('replicas', () => {
  it('load what was written before they started', async () => {
    expect([...replica.index.entries()].map((e) => e.title)).toEqual(['Before The Replica']);
  });

  it('see writes made on another replica after a poll', async () => {
    const product = await createProduct(p, { title: 'Made Elsewhere' });
    expect(replica.index.product(product.id)).toBeUndefined();
    await replica.sync.pollNow();
    expect(replica.index.product(product.id)?.title).toBe('Made Elsewhere');

    await p.admin(UPDATE_PRODUCT, { id: product.id, input: { title: 'Renamed Elsewhere' } });
    await p.admin(ARCHIVE_PRODUCT, { id: product.id });
    await replica.sync.pollNow();
    expect(replica.index.product(product.id)).toMatchObject({ title: 'Renamed Elsewhere', status: 'ARCHIVED' });
    expect(replica.index.product(product.id)?.revision).toBe(p.service.index.product(product.id)?.revision);
    expect(searchProducts(replica.index, { query: 'renamed', sort: 'RELEVANCE', first: 5, viewer: anonymous }).totalCount).toBe(0);
  });

  it('pick up a write that lands after a later revision was already seen', async () => {
    const { models } = replica;
    const late = new Types.ObjectId();
    const early = new Types.ObjectId();
    const lateRevision = await nextRevision(models, 'product', late);
    const earlyRevision = await nextRevision(models, 'product', early);
    expect(lateRevision).toBeLessThan(earlyRevision);
    await models.Product.create(productDoc(early, earlyRevision, 'Landed First'));
    await replica.sync.pollNow();
    expect(replica.index.product(String(early))).toBeDefined();
    // The write holding the older revision lands only now.
    await models.Product.create(productDoc(late, lateRevision, 'Landed Late'));
    await replica.sync.pollNow();
    expect(replica.index.product(String(late))?.title).toBe('Landed Late');
  });
});

describe('importCatalog', () => {
  const SIZE = 2_000;

  it('bulk-loads a generated catalog fast, and running replicas reload it', async () => {
    const started = Date.now();
    const result = await importCatalog(p.service.models, { categories: generateCategories(), products: generateProducts(SIZE) });
    const seconds = (Date.now() - started) / 1000;
    expect(result.products).toBe(SIZE);
    expect(result.categories).toBe(generateCategories().length);
    expect(result.skus).toBeGreaterThanOrEqual(SIZE * 2);
    // 2k products in a few seconds on FerretDB: 100k stays within minutes.
    expect(seconds).toBeLessThan(20);

    await Promise.all([p.service.sync.pollNow(), replica.sync.pollNow()]);
    const active = await p.service.models.Product.countDocuments({ status: 'ACTIVE' });
    for (const service of [p.service, replica]) {
      expect(service.index.size).toBe(await p.service.models.Product.countDocuments());
      expect(searchProducts(service.index, { sort: 'NEWEST', first: 1, viewer: anonymous }).totalCount).toBe(active);
    }
    const electronics = await p.service.models.Category.findOne({ slug: 'electronics' }).lean();
    const inElectronics = await p.service.models.Product.countDocuments({ status: 'ACTIVE', categoryIds: electronics!._id });
    const r = await p.anonymous('{ products(filter: { categorySlug: "electronics" }, first: 5) { totalCount nodes { variants { sku } } } }');
    expect(r.data.products.totalCount).toBe(inElectronics);
    expect(r.data.products.nodes).toHaveLength(5);
  });

  it('assigns every imported product its own revision', async () => {
    const revisions = (await p.service.models.Product.find({}, { revision: 1 }).lean()).map((doc) => doc.revision);
    expect(new Set(revisions).size).toBe(revisions.length);
  });
});

describe('reading a page', () => {
  const FULL = 'query($first: Int) { products(sort: PRICE_ASC, first: $first) { nodes { id title description variants { sku price { amount } } category { slug } } } }';
  const SUMMARY = 'query($first: Int) { products(sort: PRICE_ASC, first: $first) { totalCount facets { name } nodes { id slug title brand status createdAt priceRange { min { amount } } } } }';

  async function findsFor(query: string, first: number): Promise<{ nodes: unknown[]; finds: Array<{ collection: string; filter: unknown }> }> {
    const finds: Array<{ collection: string; filter: unknown }> = [];
    const client = replica.connection.getClient();
    const listener = (event: { commandName: string; command: Record<string, unknown> }) => {
      if (event.commandName === 'find') finds.push({ collection: String(event.command.find), filter: event.command.filter });
    };
    client.on('commandStarted', listener);
    try {
      const token = await p.router.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null });
      const r = await postGraphQL<any>(replicaUrl, query, { first }, { token });
      expect(r.errors).toBeUndefined();
      return { nodes: r.data.products.nodes, finds };
    } finally {
      client.off('commandStarted', listener);
    }
  }

  it('answers whole documents (description, variants, categories) from memory, whatever the page size', async () => {
    const ten = await findsFor(FULL, 10);
    const fifty = await findsFor(FULL, 50);
    expect(ten.nodes).toHaveLength(10);
    expect(fifty.nodes).toHaveLength(50);
    expect(fifty.nodes.slice(0, 10)).toEqual(ten.nodes);
    expect([...ten.finds, ...fifty.finds]).toEqual([]);
    const first = ten.nodes[0] as { id: string; description: string; variants: Array<{ sku: string }> };
    const stored = await replica.models.Product.findById(first.id).lean<ProductDoc>();
    expect(first.description).toBe(stored!.description);
    expect(first.variants.map((v) => v.sku)).toEqual(stored!.variants.map((v) => v.sku));
  });

  it('answers what the index holds without reading MongoDB at all', async () => {
    const { nodes, finds } = await findsFor(SUMMARY, 20);
    expect(nodes).toHaveLength(20);
    expect(finds).toEqual([]);
    const stored = await replica.models.Product.findById((nodes[0] as { id: string }).id).lean<ProductDoc>();
    expect(nodes[0]).toMatchObject({ slug: stored!.slug, title: stored!.title, createdAt: stored!.createdAt.toISOString() });
  });
});
