import { createCartService } from '@shopcart/cart';
import { cartEnvSchema, loadCartEnv } from '@shopcart/cart/env';
import { createInventoryService } from '@shopcart/inventory';
import { inventoryEnvSchema, loadInventoryEnv } from '@shopcart/inventory/env';
import type { Runnable } from '@shopcart/kit';
import { createOrdersService } from '@shopcart/orders';
import { loadOrdersEnv, ordersEnvSchema } from '@shopcart/orders/env';
import { createPaymentsService } from '@shopcart/payments';
import { loadPaymentsEnv, paymentsEnvSchema } from '@shopcart/payments/env';
import { createProductsService } from '@shopcart/products';
import { loadProductsEnv, productsEnvSchema } from '@shopcart/products/env';
import { createUsersService } from '@shopcart/users';
import { loadUsersEnv, usersEnvSchema } from '@shopcart/users/env';
import type { EnvSchema } from './compose-check.js';

type Source = Record<string, string | undefined>;

/** What the tests need of a subgraph's code: its env schema and loader, and how to build it in-process. */
export interface SubgraphModule {
  schema: EnvSchema;
  load: (env: Source) => unknown;
  create: (env: Source) => Promise<Runnable>;
}

/**
 * Every subgraph's code, in one list a new subgraph adds a line to: the
 * in-process platform builds from it and the docker-compose check reads its
 * configuration from it. Callees first: a service may call those started
 * before it (users hands guest carts to cart; orders calls users, cart,
 * inventory and payments).
 */
export const SUBGRAPH_MODULES: Record<string, SubgraphModule> = {
  inventory: { schema: inventoryEnvSchema, load: loadInventoryEnv, create: (env) => createInventoryService(loadInventoryEnv(env)) },
  products: { schema: productsEnvSchema, load: loadProductsEnv, create: (env) => createProductsService(loadProductsEnv(env)) },
  payments: { schema: paymentsEnvSchema, load: loadPaymentsEnv, create: (env) => createPaymentsService(loadPaymentsEnv(env)) },
  cart: { schema: cartEnvSchema, load: loadCartEnv, create: (env) => createCartService(loadCartEnv(env)) },
  users: { schema: usersEnvSchema, load: loadUsersEnv, create: (env) => createUsersService(loadUsersEnv(env)) },
  orders: { schema: ordersEnvSchema, load: loadOrdersEnv, create: (env) => createOrdersService(loadOrdersEnv(env)) },
};
