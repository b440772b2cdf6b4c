/**
 * @shopcart/testing: what tests import. Platforms in this process
 * (harness.ts) or as processes (processStack.ts) against the test run's
 * stores (test-stores.ts), helpers shared by more than one subgraph's tests,
 * and the parts of @shopcart/stack tests start services with.
 */
import './vitest-context.js';

export { pollUntil, postGraphQL, serve, startPlatform, type GqlResponse, type Platform, type PlatformOptions, type RequestOptions } from './harness.js';
export { startProcessStack, type ProcessStack, type ProcessStackOptions } from './processStack.js';
export { ARCHIVE_PRODUCT, CREATE_PRODUCT, PRODUCT_FIELDS, createProduct, productInput, startProductsPlatform, type ProductsPlatform } from './catalog.js';
export { callError, errorCode } from './serviceCalls.js';
export {
  freePort,
  generateCategories,
  generateKeys,
  generateProducts,
  seedCatalog,
  serviceKeyEnv,
  spawnService,
  startRedis,
  stopService,
  waitReady,
  type PlatformKeys,
  type ServiceProcess,
  type StoreProcess,
} from '@shopcart/stack';
