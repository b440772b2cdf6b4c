import { findIn } from '@shopcart/kit';
import DataLoader from 'dataloader';
import { fetchByIds, objectIdOrNull, type CategoryDoc, type ProductDoc, type ProductsModels, type SkuDoc } from './model.js';
import type { SearchIndex } from './searchIndex.js';

const byName = (a: CategoryDoc, b: CategoryDoc) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Answers what the replica's index holds from memory and reads only the
 * rest, all of it in one query: a product created on another replica and
 * not yet synced is still found, at the cost of one round trip.
 */
async function memoryFirst<T>(keys: readonly string[], fromMemory: (key: string) => T | undefined, readMisses: (misses: string[]) => Promise<Map<string, T>>): Promise<Array<T | null>> {
  const found = keys.map(fromMemory);
  const misses = [...new Set(keys.filter((_, i) => found[i] === undefined))];
  const read = misses.length > 0 ? await readMisses(misses) : new Map<string, T>();
  return keys.map((key, i) => found[i] ?? read.get(key) ?? null);
}

/**
 * Fresh per request: the batching and the per-request memo go with the
 * request. The documents they hand out come from the replica's index
 * (shared, frozen, current within CATALOG_SYNC_MS) or from MongoDB.
 * Visibility is checked by the callers, on what these return.
 */
export function createLoaders(models: ProductsModels, index: SearchIndex) {
  return {
    /** A page of products, or every entity reference of a plan step: memory, then one query for the misses. */
    productById: new DataLoader<string, ProductDoc | null>((ids) =>
      memoryFirst(ids, (id) => index.document(id), async (misses) => {
        const docs = await fetchByIds(models.Product, misses.map(objectIdOrNull).filter((id) => id !== null));
        return new Map(docs.map((doc) => [String(doc._id), doc as ProductDoc]));
      }),
    ),
    /** SKU -> its product's id (variants are keyed by SKU in federation too). */
    productIdBySku: new DataLoader<string, string | null>((skus) =>
      memoryFirst(skus, (sku) => index.productIdForSku(sku), async (misses) => {
        const docs = await fetchByIds(models.Sku, misses, { productId: 1 });
        return new Map(docs.map((doc) => [String(doc._id), String((doc as SkuDoc).productId)]));
      }),
    ),
    // Categories are few (hundreds): the index holds every one.
    categoryById: new DataLoader<string, CategoryDoc | null>((ids) =>
      memoryFirst(ids, (id) => index.categoryDocument(id), async (misses) => {
        const docs = await findIn<CategoryDoc>(models.Category, '_id', misses.map(objectIdOrNull).filter((id) => id !== null));
        return new Map(docs.map((doc) => [String(doc._id), doc]));
      }),
    ),
    categoryBySlug: new DataLoader<string, CategoryDoc | null>((slugs) =>
      memoryFirst(
        slugs,
        (slug) => {
          const entry = index.categoryBySlug(slug);
          return entry && index.categoryDocument(entry.id);
        },
        async (misses) => {
          const docs = await findIn<CategoryDoc>(models.Category, 'slug', misses);
          return new Map(docs.map((doc) => [doc.slug, doc]));
        },
      ),
    ),
    childrenByParentId: new DataLoader<string, CategoryDoc[]>(async (parentIds) => {
      const docs = await findIn<CategoryDoc>(models.Category, 'parentId', parentIds.map(objectIdOrNull).filter((id) => id !== null));
      return parentIds.map((id) => docs.filter((doc) => String(doc.parentId) === id).sort(byName));
    }),
  };
}

export type ProductsLoaders = ReturnType<typeof createLoaders>;
