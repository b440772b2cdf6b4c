import DataLoader from 'dataloader';
import type { InventoryModels } from './model.js';
import { readLevels } from './stock.js';

/** Fresh per request: nothing cached here outlives the request or crosses users. */
export function createLoaders(models: InventoryModels) {
  return {
    // Every variant and product of one query-plan fetch in one find; unknown SKUs have 0.
    stockBySku: new DataLoader<string, number>(async (skus) => {
      const levels = await readLevels(models, skus);
      return skus.map((sku) => levels.get(sku) ?? 0);
    }),
  };
}

export type InventoryLoaders = ReturnType<typeof createLoaders>;
