import type { BaseSubgraphContext } from '@shopcart/kit';
import type { AccountDeps } from './deps.js';
import { createLoaders, type UsersLoaders } from './loaders.js';
import type { UsersModels } from './model.js';

export interface UsersContext extends BaseSubgraphContext {
  models: UsersModels;
  accounts: AccountDeps;
  loaders: UsersLoaders;
}

export function createContext(base: BaseSubgraphContext, models: UsersModels, accounts: AccountDeps): UsersContext {
  return { ...base, models, accounts, loaders: createLoaders(models) };
}
