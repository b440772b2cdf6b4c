import { describe, expect, it } from 'vitest';
import { generateCategories, generateProducts } from '../catalog-generator.js';

describe('demo catalog generator', () => {
  it('builds a three-level category tree with unique slugs', () => {
    const categories = generateCategories();
    const bySlug = new Map(categories.map((c) => [c.slug, c]));
    expect(bySlug.size).toBe(categories.length);
    const depth = (slug: string): number => (bySlug.get(slug)?.parentSlug ? 1 + depth(bySlug.get(slug)!.parentSlug!) : 1);
    expect(new Set(categories.map((c) => depth(c.slug)))).toEqual(new Set([1, 2, 3]));
    for (const c of categories) if (c.parentSlug) expect(bySlug.has(c.parentSlug)).toBe(true);
  });

  it('is deterministic for a seed and different for another', () => {
    const a = [...generateProducts(50, 7)];
    const b = [...generateProducts(50, 7)];
    const c = [...generateProducts(50, 8)];
    expect(a).toEqual(b);
    expect(a.map((p) => p.title)).not.toEqual(c.map((p) => p.title));
  });

  it('gives realistic products: 2-5 variants with options, valid prices, unique SKUs and slugs, some sold out', () => {
    const products = [...generateProducts(1_000)];
    const leaves = new Set(generateCategories().map((c) => c.slug));
    const skus = products.flatMap((p) => p.variants.map((v) => v.sku));
    expect(new Set(skus).size).toBe(skus.length);
    expect(new Set(products.map((p) => p.slug)).size).toBe(products.length);
    for (const p of products) {
      expect(p.variants.length).toBeGreaterThanOrEqual(2);
      expect(p.variants.length).toBeLessThanOrEqual(5);
      expect(leaves.has(p.categorySlug)).toBe(true);
      for (const v of p.variants) {
        expect(Number.isInteger(v.priceMinor) && v.priceMinor > 0).toBe(true);
        expect(v.options).toHaveLength(2);
      }
    }
    expect(new Set(products.map((p) => p.variants.length))).toEqual(new Set([2, 3, 4, 5]));
    const soldOut = products.filter((p) => p.variants.every((v) => v.stock === 0)).length;
    expect(soldOut).toBeGreaterThan(50);
    expect(new Set(products.map((p) => p.brand)).size).toBeGreaterThan(20);
    expect(products.filter((p) => p.status !== 'ACTIVE').length).toBeGreaterThan(10);
  });
});
