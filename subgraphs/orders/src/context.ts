import type { BaseSubgraphContext } from '@shopcart/kit';
import type { OrdersDeps } from './deps.js';
import { createLoaders, type OrdersLoaders } from './loaders.js';

export interface OrdersContext extends BaseSubgraphContext {
  orders: OrdersDeps;
  loaders: OrdersLoaders;
}

export function createContext(base: BaseSubgraphContext, orders: OrdersDeps): OrdersContext {
  return { ...base, orders, loaders: createLoaders(orders.models) };
}
