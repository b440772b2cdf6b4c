import DataLoader from 'dataloader';
import type { StockDeps } from './deps.js';
import { readLevels } from './stock.js';

/** Fresh per request: the batching goes with the request; levels come from the replica's level cache or one query. */
export function createLoaders(inventory: Pick<StockDeps, 'models' | 'levels'>) {
  return {
    // Every variant and product of one query-plan fetch in one find; unknown SKUs have 0.
    stockBySku: new DataLoader<string, number>(async (skus) => {
      const levels = await readLevels(inventory, skus);
      return skus.map((sku) => levels.get(sku)?.available ?? 0);
    }),
  };
}

export type InventoryLoaders = ReturnType<typeof createLoaders>;
