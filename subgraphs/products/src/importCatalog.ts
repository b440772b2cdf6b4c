import { Types } from 'mongoose';
import { summarize } from './catalog.js';
import { nextRevision, reserveRevisions, type CategoryDoc, type ProductDoc, type ProductStatus, type ProductsModels, type SkuDoc, type VariantRecord } from './model.js';

/** Shapes of scripts/stack/catalog-generator.ts: categories and products refer to categories by slug. */
export interface ImportCategory {
  slug: string;
  name: string;
  parentSlug: string | null;
}

export interface ImportVariant {
  sku: string;
  title: string;
  options: Array<{ name: string; value: string }>;
  priceMinor: number;
  compareAtMinor: number | null;
  /** Becomes the SKU's known level until inventory publishes one. */
  stock?: number;
}

export interface ImportProduct {
  title: string;
  slug: string;
  description: string;
  brand: string | null;
  categorySlug: string | null;
  images: Array<{ url: string; altText: string | null }>;
  status: ProductStatus;
  createdAt?: Date;
  variants: ImportVariant[];
}

export interface ImportResult {
  categories: number;
  products: number;
  skus: number;
}

/**
 * Bulk-loads a pre-validated catalog (seeding, benchmarks): categories that
 * do not exist yet, then products and SKUs with insertMany in batches, each
 * batch with a block of revisions reserved at once. Slugs and SKUs must be
 * new; a clash fails the import. Running replicas are told to reload their
 * index once at the end, instead of following 100k single changes.
 */
export async function importCatalog(
  models: ProductsModels,
  catalog: { categories: Iterable<ImportCategory>; products: Iterable<ImportProduct> | AsyncIterable<ImportProduct> },
  options: { currency?: string; batchSize?: number } = {},
): Promise<ImportResult> {
  const currency = options.currency ?? 'USD';
  const batchSize = options.batchSize ?? 1_000;
  const result: ImportResult = { categories: 0, products: 0, skus: 0 };

  const bySlug = new Map((await models.Category.find({}).comment('scan: a bulk import matches every category by slug').lean<CategoryDoc[]>()).map((c) => [c.slug, c]));
  const pending = [...catalog.categories].filter((c) => !bySlug.has(c.slug));
  // Parents first, whatever the order given.
  while (pending.length > 0) {
    const ready = pending.filter((c) => c.parentSlug === null || bySlug.has(c.parentSlug));
    if (ready.length === 0) throw new Error(`Categories with unknown parents: ${pending.map((c) => c.slug).join(', ')}`);
    let revision = await reserveRevisions(models, ready.length);
    const docs = ready.map((c) => {
      const parent = c.parentSlug === null ? null : bySlug.get(c.parentSlug)!;
      const now = new Date();
      const doc: CategoryDoc = {
        _id: new Types.ObjectId(),
        name: c.name,
        slug: c.slug,
        parentId: parent?._id ?? null,
        ancestorIds: parent ? [...parent.ancestorIds, parent._id] : [],
        revision: revision++,
        createdAt: now,
        updatedAt: now,
      };
      bySlug.set(c.slug, doc);
      return doc;
    });
    await models.Category.collection.insertMany(docs);
    result.categories += docs.length;
    pending.splice(0, pending.length, ...pending.filter((c) => !ready.includes(c)));
  }

  let batch: ImportProduct[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    let revision = await reserveRevisions(models, batch.length);
    const products: ProductDoc[] = [];
    const skus: SkuDoc[] = [];
    for (const p of batch) {
      const category = p.categorySlug === null ? null : bySlug.get(p.categorySlug);
      if (category === undefined) throw new Error(`Product ${p.slug}: unknown category ${p.categorySlug}`);
      const _id = new Types.ObjectId();
      const variants: VariantRecord[] = p.variants.map((v, position) => ({ _id: new Types.ObjectId(), sku: v.sku, title: v.title, options: v.options, priceMinor: v.priceMinor, compareAtMinor: v.compareAtMinor, position }));
      const createdAt = p.createdAt ?? new Date();
      products.push({
        _id,
        title: p.title,
        slug: p.slug,
        description: p.description,
        brand: p.brand,
        categoryId: category?._id ?? null,
        categoryIds: category ? [...category.ancestorIds, category._id] : [],
        images: p.images,
        status: p.status,
        currency,
        variants,
        ...summarize(variants),
        inStock: p.variants.some((v) => (v.stock ?? 0) > 0),
        stockSeq: 0,
        revision: revision++,
        createdAt,
        updatedAt: createdAt,
      });
      for (const v of p.variants) skus.push({ _id: v.sku, productId: _id, available: v.stock ?? 0, availableVersion: 0 });
    }
    // SKUs first: a clash stops the import before the products that would own them exist.
    await models.Sku.collection.insertMany(skus as never[], { ordered: true });
    await models.Product.collection.insertMany(products, { ordered: true });
    result.products += products.length;
    result.skus += skus.length;
    batch = [];
  };
  for await (const product of catalog.products) {
    batch.push(product);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await nextRevision(models, 'reload', null);
  return result;
}
