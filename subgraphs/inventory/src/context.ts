import type { BaseSubgraphContext } from '@shopcart/kit';
import type { StockDeps } from './deps.js';
import { createLoaders, type InventoryLoaders } from './loaders.js';

export interface InventoryContext extends BaseSubgraphContext {
  inventory: StockDeps;
  loaders: InventoryLoaders;
}

export function createContext(base: BaseSubgraphContext, inventory: StockDeps): InventoryContext {
  return { ...base, inventory, loaders: createLoaders(inventory) };
}
