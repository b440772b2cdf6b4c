import type { BaseSubgraphContext } from '@shopcart/kit';
import type { CartDeps } from './deps.js';
import { createLoaders, type CartLoaders } from './loaders.js';

export interface CartContext extends BaseSubgraphContext {
  carts: CartDeps;
  loaders: CartLoaders;
}

export function createContext(base: BaseSubgraphContext, carts: CartDeps): CartContext {
  return { ...base, carts, loaders: createLoaders(carts.catalog, base.requestId) };
}
