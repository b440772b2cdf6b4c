import type { IndexedProduct, SearchIndex } from './searchIndex.js';

/** Facet buckets on the lowest price, in minor units ("0-25" is below 25.00). */
export const PRICE_BUCKETS: ReadonlyArray<{ label: string; below: number }> = [
  { label: '0-25', below: 2_500 },
  { label: '25-50', below: 5_000 },
  { label: '50-100', below: 10_000 },
  { label: '100-250', below: 25_000 },
  { label: '250+', below: Number.POSITIVE_INFINITY },
];

export function priceBucketOf(priceMin: number): number {
  return PRICE_BUCKETS.findIndex((bucket) => priceMin < bucket.below);
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facet {
  name: string;
  values: FacetValue[];
}

/** Counts by value; most common first, then by value, for a stable order. */
function sorted(values: FacetValue[]): FacetValue[] {
  return values.filter((v) => v.count > 0).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * Facet counts over every product of a filtered result, counted into typed
 * arrays indexed by interned ids while the search walks its candidates: no
 * strings are built per product.
 */
export function createFacetCounter(index: SearchIndex) {
  const brands = new Uint32Array(index.brands.size);
  const pairs = new Uint32Array(index.optionPairs.size);
  const prices = new Uint32Array(PRICE_BUCKETS.length);
  const categories = new Map<string, number>();

  return {
    add(entry: IndexedProduct): void {
      if (entry.brandId >= 0) brands[entry.brandId]! += 1;
      if (entry.categoryId) categories.set(entry.categoryId, (categories.get(entry.categoryId) ?? 0) + 1);
      prices[entry.priceBucket]! += 1;
      for (const pairId of entry.optionIds) pairs[pairId]! += 1;
    },

    /** brand, category (by slug), price, then one facet per option name, by name. */
    facets(): Facet[] {
      const brandValues: FacetValue[] = [];
      brands.forEach((count, id) => count && brandValues.push({ value: index.brands.display(id), count }));
      const categoryValues: FacetValue[] = [];
      for (const [id, count] of categories) {
        const category = index.category(id);
        if (category) categoryValues.push({ value: category.slug, count });
      }
      const priceValues = PRICE_BUCKETS.map((bucket, i) => ({ value: bucket.label, count: prices[i]! }));
      const byOption = new Map<number, FacetValue[]>();
      pairs.forEach((count, pairId) => {
        if (!count) return;
        const nameId = index.optionNameOfPair(pairId);
        const spelling = index.optionPairs.display(pairId);
        const values = byOption.get(nameId) ?? [];
        values.push({ value: spelling.slice(spelling.indexOf('=') + 1), count });
        byOption.set(nameId, values);
      });
      const options = [...byOption].map(([nameId, values]) => ({ name: index.optionNames.display(nameId), values: sorted(values) }));
      options.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return [
        { name: 'brand', values: sorted(brandValues) },
        { name: 'category', values: sorted(categoryValues) },
        { name: 'price', values: sorted(priceValues) },
        ...options,
      ];
    },
  };
}
