import DataLoader from 'dataloader';
import type { Catalog, VariantFacts } from './catalog.js';

/**
 * Fresh per request: every line of every cart in one request is priced with
 * one call to products and checked with one call to inventory, and nothing
 * cached here outlives the request (prices change).
 */
export function createLoaders(catalog: Catalog, requestId?: string) {
  return {
    variant: new DataLoader<string, VariantFacts | null>((ids) => catalog.variants(ids, requestId)),
    stock: new DataLoader<string, number>((skus) => catalog.stock(skus, requestId)),
  };
}

export type CartLoaders = ReturnType<typeof createLoaders>;
