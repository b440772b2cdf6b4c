import { graphqlError, ServiceCallError, type Logger, type ServiceClient, parseMinorUnits } from '@shopcart/kit';

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
 * (its entity resolver, as a service, sees ACTIVE products only), stock from
 * inventory's internal stockLevels. Each method is one round trip for any
 * number of ids; the per-request loaders call them.
 */
export interface Catalog {
  /** null for a variant that is unknown or not on sale. */
  variants(ids: readonly string[], requestId?: string): Promise<Array<VariantFacts | null>>;
  /** Units available now, per SKU (0 when inventory has never stocked it). */
  stock(skus: readonly string[], requestId?: string): Promise<number[]>;
}

const VARIANTS = `query CartVariants($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { title status } }
  }
}`;

const LEVELS = 'query CartStock($skus: [String!]!) { stockLevels(skus: $skus) { sku available } }';

interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { title: string; status: string };
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

export function createCatalog(options: { products: ServiceClient | null; inventory: ServiceClient | null; logger: Logger }): Catalog {
  const { products, inventory, logger } = options;
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

  return {
    async variants(ids, requestId) {
      const { _entities } = await call<{ _entities: Array<VariantEntity | null> }>(
        products,
        VARIANTS,
        { representations: ids.map((id) => ({ __typename: 'ProductVariant', id })) },
        requestId,
      );
      // Services see every status; only ACTIVE products are on sale.
      return _entities.map((entity) =>
        entity?.product.status === 'ACTIVE'
          ? {
              id: entity.id,
              sku: entity.sku,
              title: entity.title ? `${entity.product.title} (${entity.title})` : entity.product.title,
              priceMinor: minorOf(entity.price.amount),
              currencyCode: entity.price.currencyCode,
            }
          : null,
      );
    },
    async stock(skus, requestId) {
      const { stockLevels } = await call<{ stockLevels: Array<{ sku: string; available: number }> }>(inventory, LEVELS, { skus: [...skus] }, requestId);
      const bySku = new Map(stockLevels.map((level) => [level.sku, level.available]));
      return skus.map((sku) => bySku.get(sku) ?? 0);
    },
  };
}
