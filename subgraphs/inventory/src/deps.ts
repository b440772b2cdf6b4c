import type { KeyedLock } from '@shopcart/kit';
import type { StockLevelCache } from './levelCache.js';
import type { InventoryModels } from './model.js';

/** Stock code needs the models, the per-document write queue, a way to wake the stream publisher and the level cache reads use. */
export interface StockDeps {
  models: InventoryModels;
  locks: KeyedLock;
  stockChanged: () => void;
  levels: StockLevelCache;
}
