import { createLogger, createServiceClient, createServiceSigner, type Redis } from '@shopcart/kit';
import { createProduct, startProductsPlatform, type ProductsPlatform } from '@shopcart/testing';
import type { CartService } from '../src/server.js';

export const CART_SUBGRAPHS = ['inventory', 'products', 'cart', 'users'];

export const CART_FIELDS = `id totalQuantity updatedAt expiresAt
  subtotal { amount currencyCode }
  lines { id quantity variant { id sku } unitPrice { amount currencyCode } lineTotal { amount currencyCode } }`;

export const ADD = `mutation Add($cartId: ID, $lines: [CartLineInput!]!) {
  cartAddLines(cartId: $cartId, lines: $lines) { cart { ${CART_FIELDS} } userErrors { code field message } }
}`;
export const UPDATE = `mutation Update($cartId: ID, $lines: [CartLineUpdateInput!]!) {
  cartUpdateLines(cartId: $cartId, lines: $lines) { cart { ${CART_FIELDS} } userErrors { code field message } }
}`;
export const REMOVE = `mutation Remove($cartId: ID, $lineIds: [ID!]!) {
  cartRemoveLines(cartId: $cartId, lineIds: $lineIds) { cart { ${CART_FIELDS} } userErrors { code field message } }
}`;
export const CART = `query Cart($id: ID) { cart(id: $id) { ${CART_FIELDS} } }`;
export const SET_STOCK = 'mutation Stock($sku: String!, $available: Int!) { setInventory(sku: $sku, available: $available) { userErrors { code } } }';

export interface CartPlatform extends ProductsPlatform {
  cartService: CartService;
  redis: Redis;
  /** The cart subgraph as a service (users or orders) calls it. */
  internal<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A variant on sale with this price and stock. */
  variant(price: string, stock: number): Promise<{ id: string; sku: string; productId: string }>;
  setStock(sku: string, available: number): Promise<void>;
  /** The raw stored cart, to prove a rejected change wrote nothing. */
  raw(cartId: string): Promise<string | null>;
}

export async function startCartPlatform(env: Record<string, string> = {}, options: { redisUrl?: string } = {}): Promise<CartPlatform> {
  const p = await startProductsPlatform(env, CART_SUBGRAPHS, options.redisUrl);
  const cartService = p.platform.services.cart as CartService;
  const signer = await createServiceSigner('orders', p.platform.keys.services.orders!.privateKey);
  const client = createServiceClient({ callee: 'cart', url: p.platform.subgraphUrls.cart!, signer: signer!, logger: createLogger('test', 'silent') });
  const setStock = async (sku: string, available: number) => {
    const r = await p.admin(SET_STOCK, { sku, available });
    if (r.errors || r.data.setInventory.userErrors.length) throw new Error(`setInventory failed: ${JSON.stringify(r.errors ?? r.data)}`);
  };
  return {
    ...p,
    cartService,
    redis: cartService.redis,
    internal: (query, variables) => client.request(query, variables),
    setStock,
    async variant(price, stock) {
      const product = await createProduct(p, { title: `Cart Tee ${price}` }, [{ price }]);
      const variant = product.variants[0];
      await setStock(variant.sku, stock);
      return { id: variant.id, sku: variant.sku, productId: product.id };
    },
    raw: (cartId) => cartService.redis.get(`cart:${cartId}`),
  };
}

/** The GraphQL error code a service call failed with. */
export { errorCode as serviceErrorCode } from '@shopcart/testing';
