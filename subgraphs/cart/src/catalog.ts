import { graphqlError, ServiceCallError, type Logger, type ServiceClient, parseMinorUnits } from '@shopcart/kit';
import type { CatalogCache } from './catalogCache.js';

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
 * inventory's internal stockLevels. Each method is at most one round trip
 * for any number of ids (none when the catalog cache knows them all); the
 * per-request loaders call them.
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

const VARIANTS = `query CartVariants($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { id title status revision } }
  }
}`;

const LEVELS = 'query CartStock($skus: [String!]!) { stockLevels(skus: $skus) { sku available version } }';

interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { id: string; title: string; status: string; revision: number };
}

/** Products always answers two-decimal amounts; anything else is a broken answer, not a price. */
function minorOf(amount: string): number {
  const minor = parseMinorUnits(amount);
  if (minor === null) throw new Error(`products answered a price that is not an amount: ${amount}`);
  return minor;
}

function unavailable(): never {
  throw graphqlError('SERVICE_UNAVAILABLE', 'The catalog is unavailable right now; try again shortly');
}

/** Fills the gaps in `known` (undefined) with one call for all of them. */
async function fillMisses<T>(keys: readonly string[], known: Array<T | undefined>, fetch: (missing: string[]) => Promise<T[]>): Promise<T[]> {
  const missing = keys.filter((_, i) => known[i] === undefined);
  if (missing.length === 0) return known as T[];
  const fetched = await fetch(missing);
  let next = 0;
  return known.map((value) => (value === undefined ? fetched[next++]! : value));
}

export function createCatalog(options: { products: ServiceClient | null; inventory: ServiceClient | null; logger: Logger; cache?: CatalogCache | null }): Catalog {
  const { products, inventory, logger } = options;
  const cache = options.cache ?? null;
  // A service error (not a transport failure) is still "cannot tell", never "sold out".
  async function call<T>(client: ServiceClient | null, query: string, variables: Record<string, unknown>, requestId?: string): Promise<T> {
    if (!client) {
      logger.error('no service key (SERVICE_PRIVATE_KEY): the cart cannot reach products or inventory');
      unavailable();
    }
    try {
      return await client.request<T>(query, variables, { requestId });
    } catch (err) {
      if (err instanceof ServiceCallError) unavailable();
      throw err;
    }
  }

  async function fetchVariants(ids: readonly string[], requestId?: string): Promise<Array<VariantFacts | null>> {
    const since = cache?.fetchStarted() ?? 0;
    const { _entities } = await call<{ _entities: Array<VariantEntity | null> }>(
      products,
      VARIANTS,
      { representations: ids.map((id) => ({ __typename: 'ProductVariant', id })) },
      requestId,
    );
    // Services see every status; only ACTIVE products are on sale (and only those are cached).
    return _entities.map((entity) => {
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
    const { stockLevels } = await call<{ stockLevels: Array<{ sku: string; available: number; version: number }> }>(inventory, LEVELS, { skus: [...skus] }, requestId);
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
