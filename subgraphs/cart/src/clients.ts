import { graphqlError, ServiceCallError, serviceClientFactory, type Logger, type ServiceClient, type StockLevelEntry } from '@shopcart/kit';
import type { CartEnv } from './env.js';

/** A variant as products' entity resolver answers the cart: as a service it sees every status. */
export interface VariantEntity {
  id: string;
  sku: string;
  title: string;
  price: { amount: string; currencyCode: string };
  product: { id: string; title: string; status: string; revision: number };
}

/**
 * The calls the cart makes, with its own identity (`cart`): variants from
 * products' entities, stock from inventory's internal stockLevels. Each is
 * one round trip for any number of ids. A service that cannot be reached or
 * that answers an error is SERVICE_UNAVAILABLE: "cannot tell", never "sold out".
 */
export interface CatalogClients {
  /** null for a variant products does not know. */
  variants(ids: readonly string[], requestId?: string): Promise<Array<VariantEntity | null>>;
  /** Only the SKUs inventory has stocked. */
  stockLevels(skus: readonly string[], requestId?: string): Promise<StockLevelEntry[]>;
}

const VARIANTS = `query CartVariants($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on ProductVariant { id sku title price { amount currencyCode } product { id title status revision } }
  }
}`;

const LEVELS = 'query CartStock($skus: [String!]!) { stockLevels(skus: $skus) { sku available version } }';

function unavailable(): never {
  throw graphqlError('SERVICE_UNAVAILABLE', 'The catalog is unavailable right now; try again shortly');
}

export async function createCatalogClients(env: CartEnv, logger: Logger): Promise<CatalogClients> {
  const connect = await serviceClientFactory('cart', env.SERVICE_PRIVATE_KEY, logger);
  const products = connect('products', env.PRODUCTS_URL, { timeoutMs: env.CATALOG_TIMEOUT_MS });
  const inventory = connect('inventory', env.INVENTORY_URL, { timeoutMs: env.CATALOG_TIMEOUT_MS });

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
      const representations = ids.map((id) => ({ __typename: 'ProductVariant', id }));
      return (await call<{ _entities: Array<VariantEntity | null> }>(products, VARIANTS, { representations }, requestId))._entities;
    },
    async stockLevels(skus, requestId) {
      return (await call<{ stockLevels: StockLevelEntry[] }>(inventory, LEVELS, { skus: [...skus] }, requestId)).stockLevels;
    },
  };
}
