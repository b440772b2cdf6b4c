import { PRODUCT_FIELDS, type ProductsPlatform } from '@shopcart/testing';
import type { ProductsService } from '../src/server.js';

/** The catalog platform and product helpers, shared with the subgraphs whose tests need products (cart, orders). */
export { ARCHIVE_PRODUCT, CREATE_PRODUCT, PRODUCT_FIELDS, createProduct, productInput, startProductsPlatform, type ProductsPlatform } from '@shopcart/testing';

export const UPDATE_PRODUCT = `mutation Update($id: ID!, $input: ProductUpdateInput!) {
  updateProduct(id: $id, input: $input) { product { ${PRODUCT_FIELDS} } userErrors { code field message } }
}`;
export const CREATE_CATEGORY = `mutation CreateCategory($input: CategoryInput!) {
  createCategory(input: $input) { category { id slug name parent { id slug } children { id } } userErrors { code field message } }
}`;
export const SEARCH = `query Search($query: String, $filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  products(query: $query, filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    nodes { id title slug brand status priceRange { min { amount } max { amount } } }
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
    facets { name values { value count } }
  }
}`;

export async function createCategory(p: ProductsPlatform, input: Record<string, unknown>): Promise<any> {
  const r = await p.admin(CREATE_CATEGORY, { input });
  if (r.errors || r.data.createCategory.userErrors.length) throw new Error(`createCategory failed: ${JSON.stringify(r.errors ?? r.data.createCategory.userErrors)}`);
  return r.data.createCategory.category;
}

/** Documents in each products collection: a rejected write must leave these as they were. */
export async function collectionCounts(service: ProductsService): Promise<Record<string, number>> {
  const { Category, Product, Sku, PendingStock } = service.models;
  const [categories, products, skus, pending] = await Promise.all([Category, Product, Sku, PendingStock].map((m) => (m as typeof Category).countDocuments()));
  return { categories: categories!, products: products!, skus: skus!, pending: pending! };
}
