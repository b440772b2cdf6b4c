import DataLoader from 'dataloader';
import type { Catalog, VariantFacts } from './catalog.js';

/**
 * Fresh per request: every line of every cart in one request is priced with
 * at most one call to products and checked with at most one call to
 * inventory; nothing cached here outlives the request. `currentVariant`
 * always asks products (checkout prices), `variant` may be answered by the
 * stream-fed catalog cache (catalogCache.ts).
 */
export function createLoaders(catalog: Catalog, requestId?: string) {
  return {
    variant: new DataLoader<string, VariantFacts | null>((ids) => catalog.variants(ids, requestId)),
    currentVariant: new DataLoader<string, VariantFacts | null>((ids) => catalog.variants(ids, requestId, { current: true })),
    stock: new DataLoader<string, number>((skus) => catalog.stock(skus, requestId)),
  };
}

export type CartLoaders = ReturnType<typeof createLoaders>;
