import { DomainError, isDuplicateKey } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { ProductInput, ProductUpdateInput } from './__generated__/resolvers-types.js';
import { categoryPath } from './categories.js';
import type { CatalogDeps } from './deps.js';
import type { StockLevel } from './initialStock.js';
import { fetchByIds, nextRevision, objectIdOrNull, type ProductDoc, type ProductsModels, type VariantRecord } from './model.js';
import { validateProductInput, validateProductUpdate, validateVariantUpdate, type NewProduct } from './productInput.js';
import { slugFrom } from './slugs.js';

/** Generated slugs that collide get -2, -3, ...; past this many tries the title is too common to guess. */
const MAX_SLUG_ATTEMPTS = 50;

const duplicateSku = (sku: string, position: number) =>
  new DomainError('DUPLICATE_SKU', `SKU ${sku} is already used by another product`, ['input', 'variants', String(position), 'sku']);

/** Price range and option pairs, denormalised onto the product for search. */
export function summarize(variants: VariantRecord[]) {
  const prices = variants.map((v) => v.priceMinor);
  const optionPairs = [...new Set(variants.flatMap((v) => v.options.map((o) => `${o.name}=${o.value}`)))];
  return { priceMin: Math.min(...prices), priceMax: Math.max(...prices), optionPairs };
}

/**
 * Creates a product with its variants. Everything is validated before the
 * first write; without transactions the writes then go in an order a
 * failure can undo: pending stock, SKUs (their `_id` unique), the product
 * (its slug unique). A rejected input leaves nothing behind.
 */
export async function createProduct(deps: CatalogDeps, input: ProductInput): Promise<ProductDoc> {
  const { models, index } = deps;
  const product = validateProductInput(input);
  const category = await categoryPath(models, product.categoryId, ['input', 'categoryId']);
  const skus = product.variants.map((v) => v.sku);
  const taken = new Set((await fetchByIds(models.Sku, skus, { _id: 1 })).map((doc) => String(doc._id)));
  const clash = product.variants.find((v) => taken.has(v.sku));
  if (clash) throw duplicateSku(clash.sku, clash.position);

  const _id = new Types.ObjectId();
  const variants: VariantRecord[] = product.variants.map((v) => ({
    _id: new Types.ObjectId(),
    sku: v.sku,
    title: v.title,
    options: v.options,
    priceMinor: v.priceMinor,
    compareAtMinor: v.compareAtMinor,
    position: v.position,
  }));
  const levels: StockLevel[] = product.variants.flatMap((v) => (v.initialStock === null ? [] : [{ sku: v.sku, available: v.initialStock }]));

  if (levels.length > 0) await models.PendingStock.create({ _id, levels });
  let doc: ProductDoc;
  try {
    await insertSkus(models, _id, product);
    doc = await insertProduct(deps, product, {
      _id,
      ...category,
      ...summarize(variants),
      variants,
      currency: deps.currency,
      // Inventory's stock events confirm (or correct) this shortly.
      inStock: levels.some((level) => level.available > 0),
    });
  } catch (err) {
    // Best effort: the original failure is what the caller must see.
    await Promise.allSettled([models.PendingStock.deleteOne({ _id }), ...skus.map((sku) => models.Sku.deleteOne({ _id: sku, productId: _id }))]);
    throw err;
  }
  index.upsertProduct(doc);
  if (levels.length > 0) await deps.initialStock.send(_id, levels);
  return doc;
}

async function insertSkus(models: ProductsModels, productId: Types.ObjectId, product: NewProduct): Promise<void> {
  try {
    await models.Sku.insertMany(
      product.variants.map((v) => ({ _id: v.sku, productId, available: v.initialStock ?? 0, availableVersion: 0 })),
      { ordered: true },
    );
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Another product took a SKU since the check above: name it, after our own are gone.
    const skus = product.variants.map((v) => v.sku);
    await Promise.all(skus.map((sku) => models.Sku.deleteOne({ _id: sku, productId })));
    const others = new Set((await fetchByIds(models.Sku, skus, { _id: 1 })).map((doc) => String(doc._id)));
    const clash = product.variants.find((v) => others.has(v.sku)) ?? product.variants[0]!;
    throw duplicateSku(clash.sku, clash.position);
  }
}

type ProductFields = Pick<ProductDoc, '_id' | 'categoryId' | 'categoryIds' | 'priceMin' | 'priceMax' | 'optionPairs' | 'variants' | 'currency' | 'inStock'>;

async function insertProduct(deps: CatalogDeps, product: NewProduct, fields: ProductFields): Promise<ProductDoc> {
  const { models, index } = deps;
  const revision = await nextRevision(models, 'product', fields._id);
  const base = slugFrom(product.title, 'product');
  let suffix = 1;
  for (let attempt = 0; attempt < MAX_SLUG_ATTEMPTS; attempt += 1) {
    let slug = product.slug;
    if (slug === null) {
      // Skip slugs this replica already knows are taken; the unique index has the last word.
      while (index.productIdForSlug(suffix === 1 ? base : `${base}-${suffix}`)) suffix += 1;
      slug = suffix === 1 ? base : `${base}-${suffix}`;
    }
    try {
      const created = await models.Product.create({
        ...fields,
        title: product.title,
        slug,
        description: product.description,
        brand: product.brand,
        images: product.images,
        status: product.status,
        stockSeq: 0,
        revision,
      });
      return created.toObject();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (product.slug !== null) break;
      suffix += 1;
    }
  }
  await models.Change.deleteOne({ _id: revision });
  throw new DomainError('DUPLICATE_SLUG', product.slug === null ? 'Could not find a free slug for this title; give one' : `The slug "${product.slug}" is taken`, ['input', 'slug']);
}

/**
 * Applies `changes` to a product as a compare-and-set on its revision, so
 * every product's revision only grows: replicas that see two writes in
 * either order keep the later one. Retries when another write got there first.
 */
export async function writeProduct(deps: CatalogDeps, id: string, compute: (current: ProductDoc) => Promise<Record<string, unknown> | null>): Promise<ProductDoc> {
  const { models, index } = deps;
  const _id = objectIdOrNull(id);
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const current = _id ? await models.Product.findById(_id).lean<ProductDoc>() : null;
    if (!current) throw new DomainError('NOT_FOUND', 'No such product', ['id']);
    const set = await compute(current);
    if (!set) return current;
    const revision = await nextRevision(models, 'product', current._id);
    let matched: number;
    try {
      matched = (await models.Product.updateOne({ _id: current._id, revision: current.revision }, { $set: { ...set, revision } })).matchedCount;
    } catch (err) {
      await models.Change.deleteOne({ _id: revision });
      if (isDuplicateKey(err)) throw new DomainError('DUPLICATE_SLUG', `The slug "${String(set.slug)}" is taken`, ['input', 'slug']);
      throw err;
    }
    if (matched === 0) continue;
    // Announced as soon as the write has landed, so nothing after it can leave it unannounced.
    deps.announce(String(current._id), revision);
    const updated = await models.Product.findById(current._id).lean<ProductDoc>();
    if (updated) index.upsertProduct(updated);
    return updated ?? current;
  }
  throw new Error('product kept changing; update abandoned');
}

export async function updateProduct(deps: CatalogDeps, id: string, input: ProductUpdateInput): Promise<ProductDoc> {
  const changes = validateProductUpdate(input);
  return writeProduct(deps, id, async () => {
    const { categoryId, ...rest } = changes;
    const set: Record<string, unknown> = { ...rest };
    if (categoryId !== undefined) Object.assign(set, await categoryPath(deps.models, categoryId, ['input', 'categoryId']));
    return Object.keys(set).length > 0 ? set : null;
  });
}

export async function archiveProduct(deps: CatalogDeps, id: string): Promise<ProductDoc> {
  return writeProduct(deps, id, async (current) => (current.status === 'ARCHIVED' ? null : { status: 'ARCHIVED' }));
}

/**
 * Changes one variant inside its product's document (variants are embedded),
 * with the product's price range recomputed, through the same revisioned
 * write as every other catalog change: search and entity reads see it at once.
 */
export async function updateVariant(deps: CatalogDeps, variantId: string, input: Parameters<typeof validateVariantUpdate>[0]): Promise<ProductDoc> {
  const changes = validateVariantUpdate(input);
  const productId = deps.index.productIdForVariant(variantId);
  if (!productId) throw new DomainError('NOT_FOUND', 'No such variant', ['id']);
  return writeProduct(deps, productId, async (current) => {
    const variants = current.variants.map((v) => (String(v._id) === variantId ? { ...v, ...changes } : v));
    if (!current.variants.some((v) => String(v._id) === variantId)) throw new DomainError('NOT_FOUND', 'No such variant', ['id']);
    const { priceMin, priceMax } = summarize(variants);
    return { variants, priceMin, priceMax };
  });
}
