import type { BaseSubgraphContext } from '@shopcart/kit';
import type { CatalogDeps } from './deps.js';
import { createLoaders, type ProductsLoaders } from './loaders.js';
import type { ProductsModels } from './model.js';
import type { SearchIndex } from './searchIndex.js';

export interface ProductsContext extends BaseSubgraphContext {
  models: ProductsModels;
  catalog: CatalogDeps;
  index: SearchIndex;
  /** Resolves once the replica's index holds the whole catalog; search and slug lookups wait for it. */
  indexLoaded: Promise<void>;
  loaders: ProductsLoaders;
}

export function createContext(base: BaseSubgraphContext, catalog: CatalogDeps, indexLoaded: Promise<void>): ProductsContext {
  return { ...base, models: catalog.models, catalog, index: catalog.index, indexLoaded, loaders: createLoaders(catalog.models, catalog.index) };
}
