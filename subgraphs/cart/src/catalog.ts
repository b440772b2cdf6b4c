import { parseMinorUnits } from '@shopcart/kit';
import type { CatalogCache } from './catalogCache.js';
import type { CatalogClients } from './clients.js';

/** What the cart needs to know about a variant that is on sale now. */
export interface VariantFacts {
  id: string;
  sku: string;
  /** "Product title (variant title)", for checkout's snapshot. */
  title: string;
  priceMinor: number;
  currencyCode: string;
}

/**
 * The cart owns no catalog data: prices and sellability come from products
 * (its entity resolver, as a service, sees every status), stock from
 * inventory's internal stockLevels (clients.ts). Each method is at most one
 * round trip for any number of ids (none when the catalog cache knows them
 * all); the per-request loaders call them.
 */
export interface Catalog {
  /**
   * null for a variant that is unknown or not on sale. Answered from the
   * catalog cache where it can be, unless `current` (checkout's prices).
   */
  variants(ids: readonly string[], requestId?: string, options?: { current?: boolean }): Promise<Array<VariantFacts | null>>;
  /** Units available now, per SKU (0 when inventory has never stocked it). */
  stock(skus: readonly string[], requestId?: string): Promise<number[]>;
}

/** Products always answers two-decimal amounts; anything else is a broken answer, not a price. */
function minorOf(amount: string): number {
  const minor = parseMinorUnits(amount);
  if (minor === null) throw new Error(`products answered a price that is not an amount: ${amount}`);
  return minor;
}

/** Fills the gaps in `known` (undefined) with one call for all of them. */
async function fillMisses<T>(keys: readonly string[], known: Array<T | undefined>, fetch: (missing: string[]) => Promise<T[]>): Promise<T[]> {
  const missing = keys.filter((_, i) => known[i] === undefined);
  if (missing.length === 0) return known as T[];
  const fetched = await fetch(missing);
  let next = 0;
  return known.map((value) => (value === undefined ? fetched[next++]! : value));
}

export function createCatalog(options: { clients: CatalogClients; cache?: CatalogCache | null }): Catalog {
  const { clients } = options;
  const cache = options.cache ?? null;

  async function fetchVariants(ids: readonly string[], requestId?: string): Promise<Array<VariantFacts | null>> {
    const since = cache?.fetchStarted() ?? 0;
    const entities = await clients.variants(ids, requestId);
    // Services see every status; only ACTIVE products are on sale (and only those are cached).
    return entities.map((entity) => {
      if (entity?.product.status !== 'ACTIVE') return null;
      const facts: VariantFacts = {
        id: entity.id,
        sku: entity.sku,
        title: entity.title ? `${entity.product.title} (${entity.title})` : entity.product.title,
        priceMinor: minorOf(entity.price.amount),
        currencyCode: entity.price.currencyCode,
      };
      cache?.rememberVariant({ ...facts, productId: entity.product.id, revision: entity.product.revision }, since);
      return facts;
    });
  }

  async function fetchStock(skus: readonly string[], requestId?: string): Promise<number[]> {
    const since = cache?.fetchStarted() ?? 0;
    const stockLevels = await clients.stockLevels(skus, requestId);
    const bySku = new Map(stockLevels.map((level) => [level.sku, level]));
    return skus.map((sku) => {
      const level = bySku.get(sku);
      if (level) cache?.rememberLevel(sku, level.available, level.version, since);
      return Math.max(0, level?.available ?? 0);
    });
  }

  return {
    variants(ids, requestId, { current = false } = {}) {
      if (!cache || current) return fetchVariants(ids, requestId);
      return fillMisses(ids, ids.map((id) => cache.variant(id)), (missing) => fetchVariants(missing, requestId));
    },
    stock(skus, requestId) {
      if (!cache) return fetchStock(skus, requestId);
      return fillMisses(skus, skus.map((sku) => cache.level(sku)), (missing) => fetchStock(missing, requestId));
    },
  };
}
