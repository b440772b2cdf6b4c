import type { Logger } from '@shopcart/kit';
import type { AnnounceChange } from './catalogChanges.js';
import type { InitialStock } from './initialStock.js';
import type { ProductsModels } from './model.js';
import type { SearchIndex } from './searchIndex.js';

/** What the catalog's domain functions run with; tests reach it through the started service. */
export interface CatalogDeps {
  models: ProductsModels;
  index: SearchIndex;
  /** ISO 4217 code of every price (CATALOG_CURRENCY). */
  currency: string;
  initialStock: InitialStock;
  /** Tells services that cache product facts (the cart) that a product changed. */
  announce: AnnounceChange;
  logger: Logger;
}
