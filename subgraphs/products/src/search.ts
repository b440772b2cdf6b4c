import { badUserInput, type Viewer, parseMinorUnits } from '@shopcart/kit';
import type { ProductFilter, ProductSort } from './__generated__/resolvers-types.js';
import { decodeProductCursor, encodeProductCursor, productOrder, searchFingerprint, type Position } from './cursor.js';
import { createFacetCounter, type Facet } from './facets.js';
import { PRODUCT_STATUSES, type ProductStatus } from './model.js';
import { SearchIndex, type IndexedProduct } from './searchIndex.js';
import { seesEveryStatus } from './visibility.js';

export interface SearchArgs {
  query?: string | null;
  filter?: ProductFilter | null;
  sort: ProductSort;
  first: number;
  after?: string | null;
  viewer: Viewer;
  /** Count facets (default true); a page that shows none skips the work. */
  facets?: boolean;
}

export interface SearchPage {
  items: Array<{ entry: IndexedProduct; cursor: string }>;
  hasNextPage: boolean;
  totalCount: number;
  facets: Facet[];
}

/** The filter as given, normalized: what a cursor is bound to (the same on every replica). */
interface NormalizedFilter {
  categorySlug: string | null;
  brands: string[];
  minPrice: number | null;
  maxPrice: number | null;
  inStock: boolean | null;
  options: Array<{ name: string; values: string[] }>;
  statuses: ProductStatus[];
}

// Anonymous input: the matcher's work grows with both (see searchIndex.ts matchTerm).
export const MAX_QUERY_LENGTH = 200;
export const MAX_QUERY_TERMS = 10;

/** The query's distinct words, or BAD_USER_INPUT past the caps. */
function queryTerms(query: string | null | undefined): string[] {
  // Measured before tokenizing, which would otherwise run over any size of input.
  if (query && query.length > MAX_QUERY_LENGTH) throw badUserInput(`query must be at most ${MAX_QUERY_LENGTH} characters`, ['query']);
  const terms = SearchIndex.terms(query);
  if (terms.length > MAX_QUERY_TERMS) throw badUserInput(`query must have at most ${MAX_QUERY_TERMS} different words`, ['query']);
  return terms;
}

const lowerSorted = (values: readonly string[]) => [...new Set(values.map((v) => v.toLowerCase()))].sort();

function price(value: string | null | undefined, field: string): number | null {
  if (value == null) return null;
  const minor = parseMinorUnits(value);
  if (minor === null) throw badUserInput(`${field} must be a decimal amount such as "19.99"`, ['filter', field]);
  return minor;
}

function normalizeFilter(filter: ProductFilter | null | undefined, viewer: Viewer): NormalizedFilter {
  const minPrice = price(filter?.minPrice, 'minPrice');
  const maxPrice = price(filter?.maxPrice, 'maxPrice');
  if (minPrice !== null && maxPrice !== null && minPrice > maxPrice) throw badUserInput('minPrice must not exceed maxPrice', ['filter', 'minPrice']);
  // Only admins and services may look past ACTIVE; anyone else's statuses are ignored.
  const statuses = seesEveryStatus(viewer) ? (filter?.statuses?.length ? [...new Set(filter.statuses)].sort() : [...PRODUCT_STATUSES]) : ['ACTIVE' as const];
  const options = (filter?.options ?? [])
    .filter((o) => o.values.length > 0)
    .map((o) => ({ name: o.name.toLowerCase(), values: lowerSorted(o.values) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    categorySlug: filter?.categorySlug ?? null,
    brands: lowerSorted(filter?.brands ?? []),
    minPrice,
    maxPrice,
    inStock: filter?.inStock ?? null,
    options,
    statuses,
  };
}

/** The filter as a predicate over index entries; null when nothing can match (unknown slug, brand or option). */
function compileFilter(index: SearchIndex, filter: NormalizedFilter): ((entry: IndexedProduct) => boolean) | null {
  let categoryId: string | null = null;
  if (filter.categorySlug !== null) {
    const category = index.categoryBySlug(filter.categorySlug);
    if (!category) return null;
    categoryId = category.id;
  }
  let brandIds: Set<number> | null = null;
  if (filter.brands.length > 0) {
    brandIds = new Set(filter.brands.map((b) => index.brands.idOf(b)).filter((id) => id >= 0));
    if (brandIds.size === 0) return null;
  }
  const optionSets: Array<Set<number>> = [];
  for (const option of filter.options) {
    const ids = new Set(option.values.map((value) => index.optionPairs.idOf(`${option.name}=${value}`)).filter((id) => id >= 0));
    if (ids.size === 0) return null;
    optionSets.push(ids);
  }
  const statuses = new Set(filter.statuses);
  const { minPrice, maxPrice, inStock } = filter;
  return (entry) =>
    statuses.has(entry.status) &&
    (categoryId === null || entry.categoryIds.includes(categoryId)) &&
    (brandIds === null || brandIds.has(entry.brandId)) &&
    // Inclusive bounds on the product's price range overlapping [min, max].
    (minPrice === null || entry.priceMax >= minPrice) &&
    (maxPrice === null || entry.priceMin <= maxPrice) &&
    (inStock === null || entry.inStock === inStock) &&
    optionSets.every((ids) => entry.optionIds.some((id) => ids.has(id)));
}

/**
 * One pass over the candidates (all products, or those matching the query):
 * filter, count facets and the total, and keep only the best first+1 after
 * the cursor, so a page costs O(n log first) rather than a full sort.
 */
export function searchProducts(index: SearchIndex, args: SearchArgs): SearchPage {
  const terms = queryTerms(args.query);
  const filter = normalizeFilter(args.filter, args.viewer);
  const order = productOrder(args.sort, terms.length > 0);
  const fingerprint = searchFingerprint(terms, filter);
  const after = args.after ? decodeProductCursor(args.after, args.sort, fingerprint, order) : null;
  const facets = args.facets === false ? null : createFacetCounter(index);
  const matches = compileFilter(index, filter);
  if (!matches) return { items: [], hasNextPage: false, totalCount: 0, facets: facets?.facets() ?? [] };

  const limit = args.first + 1;
  const top: Array<Position & { entry: IndexedProduct }> = [];
  let totalCount = 0;
  const consider = (entry: IndexedProduct, score: number) => {
    if (!matches(entry)) return;
    totalCount += 1;
    facets?.add(entry);
    const key = order.spec.key(entry, score);
    if (after && order.compare({ key, id: entry.id }, after) <= 0) return;
    if (top.length === limit && order.compare({ key, id: entry.id }, top[limit - 1]!) >= 0) return;
    const candidate = { key, id: entry.id, entry };
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order.compare(top[mid]!, candidate) < 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, candidate);
    if (top.length > limit) top.pop();
  };

  if (terms.length > 0) {
    for (const [id, score] of index.match(terms)) {
      const entry = index.product(id);
      if (entry) consider(entry, score);
    }
  } else {
    // A category page scans only what is filed under the category (compileFilter has found it).
    const category = filter.categorySlug === null ? undefined : index.categoryBySlug(filter.categorySlug);
    for (const entry of category ? index.inCategory(category.id) : index.entries()) consider(entry, 0);
  }

  return {
    items: top.slice(0, args.first).map((item) => ({
      entry: item.entry,
      // Encoded when read: a page that shows only nodes needs none.
      get cursor() {
        return encodeProductCursor(args.sort, fingerprint, item);
      },
    })),
    hasNextPage: top.length > args.first,
    totalCount,
    facets: facets?.facets() ?? [],
  };
}
