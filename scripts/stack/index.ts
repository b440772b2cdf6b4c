/** @shopcart/stack: Shopcart's stores and services on this machine, for `npm start`, the tests, the audit and the benchmarks. */
export { generateCategories, generateProducts, type SeedCategory, type SeedProduct, type SeedVariant } from './catalog-generator.js';
export { generateKeys, loadOrCreateKeys, serviceKeyEnv, SERVICE_NAMES, type PlatformKeys } from './keys.js';
export { freePort, portOpen, waitForPort } from './ports.js';
export { REPO_ROOT, compiledEntryOf, entryOf, spawnService, stopService, stopper, track, waitReady, which, type ServiceProcess } from './processes.js';
export { seedCatalog, type SeedOptions, type SeedResult } from './seed.js';
export { startStack, type Stack, type StackOptions } from './stack.js';
export { DISPOSABLE_STACK_ENV, databaseNames, graphqlUrl, stackEnv, type StackEnv, type StackEnvOptions } from './stackEnv.js';
export { findMongoServer, runDir, startMongo, startRedis, startStores, toolsDir, type MongoOptions, type RedisOptions, type StoreProcess, type StoreSet, type StoresOptions, type StoreUrls } from './stores.js';
export { supervise, type Running, type Supervised, type SupervisorOptions } from './supervisor.js';
