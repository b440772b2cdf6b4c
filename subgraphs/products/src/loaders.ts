import DataLoader from 'dataloader';
import { fetchByIds, objectIdOrNull, type CategoryDoc, type ProductDoc, type ProductsModels, type SkuDoc } from './model.js';

const byName = (a: CategoryDoc, b: CategoryDoc) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Fresh per request: nothing cached here outlives the request or crosses
 * users. Visibility is checked by the callers, on what these return.
 */
export function createLoaders(models: ProductsModels) {
  return {
    /** A page of products, or every entity reference of a plan step, is one query. */
    productById: new DataLoader<string, ProductDoc | null>(async (ids) => {
      const docs = await fetchByIds(models.Product, ids.map(objectIdOrNull).filter((id) => id !== null));
      const byId = new Map(docs.map((doc) => [String(doc._id), doc as ProductDoc]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** SKU -> its product's id (variants are keyed by SKU in federation too). */
    skuBySku: new DataLoader<string, SkuDoc | null>(async (skus) => {
      const docs = await fetchByIds(models.Sku, skus, { productId: 1 });
      const bySku = new Map(docs.map((doc) => [String(doc._id), doc as SkuDoc]));
      return skus.map((sku) => bySku.get(sku) ?? null);
    }),
    // Categories are few (hundreds): plain queries are cheap on any server.
    categoryById: new DataLoader<string, CategoryDoc | null>(async (ids) => {
      const docs = await models.Category.find({ _id: { $in: ids.map(objectIdOrNull).filter((id) => id !== null) } }).lean<CategoryDoc[]>();
      const byId = new Map(docs.map((doc) => [String(doc._id), doc]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    categoryBySlug: new DataLoader<string, CategoryDoc | null>(async (slugs) => {
      const docs = await models.Category.find({ slug: { $in: slugs } }).lean<CategoryDoc[]>();
      const bySlug = new Map(docs.map((doc) => [doc.slug, doc]));
      return slugs.map((slug) => bySlug.get(slug) ?? null);
    }),
    childrenByParentId: new DataLoader<string, CategoryDoc[]>(async (parentIds) => {
      const docs = await models.Category.find({ parentId: { $in: parentIds.map(objectIdOrNull).filter((id) => id !== null) } }).lean<CategoryDoc[]>();
      return parentIds.map((id) => docs.filter((doc) => String(doc.parentId) === id).sort(byName));
    }),
  };
}

export type ProductsLoaders = ReturnType<typeof createLoaders>;
