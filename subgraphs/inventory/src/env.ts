import { baseEnvSchema, loadSubgraphEnv, subgraphEnvFields, type SubgraphEnv } from '@shopcart/kit';
import { z } from 'zod';

export const inventoryEnvSchema = baseEnvSchema.extend({
  ...subgraphEnvFields('inventory', { port: 4003, database: 'shopcart_inventory' }),
  /** How often expired and abandoned reservations give their stock back. */
  RESERVATION_SWEEP_MS: z.coerce.number().int().min(50).max(3_600_000).default(5_000),
  /**
   * How often stock changes not yet on the stream are (re)published. A stock
   * write wakes the publisher at once; this poll only catches what a failed
   * publish or a crash left behind, so it can be slow and cost nothing at rest.
   */
  STOCK_PUBLISH_MS: z.coerce.number().int().min(50).max(3_600_000).default(5_000),
});

export type InventoryEnv = SubgraphEnv<typeof inventoryEnvSchema>;

export function loadInventoryEnv(source: Record<string, string | undefined> = process.env): InventoryEnv {
  return loadSubgraphEnv('inventory', inventoryEnvSchema, source);
}
