import { serviceClientFactory, type Logger } from '@shopcart/kit';
import type { ProductsEnv } from './env.js';
import type { StockLevel } from './initialStock.js';

/** The calls products makes, with its own identity (`products`). */
export interface InventoryClient {
  /** Inventory's internal initializeStock: sets the levels of SKUs it does not know yet, so a repeat is harmless. */
  initializeStock(levels: StockLevel[]): Promise<void>;
}

const INITIALIZE_STOCK = 'mutation InitializeStock($levels: [StockLevelInput!]!) { initializeStock(levels: $levels) }';

/** null without a signing key (SERVICE_PRIVATE_KEY): initial stock then stays pending. */
export async function createInventoryClient(env: ProductsEnv, logger: Logger): Promise<InventoryClient | null> {
  const connect = await serviceClientFactory('products', env.SERVICE_PRIVATE_KEY, logger);
  const inventory = connect('inventory', env.INVENTORY_URL);
  if (!inventory) return null;
  return {
    async initializeStock(levels) {
      await inventory.request(INITIALIZE_STOCK, { levels });
    },
  };
}
