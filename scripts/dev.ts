import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTER_PORT, SUBGRAPHS } from '../schema/subgraphs.js';
import { loadOrCreateKeys, serviceKeyEnv } from './keys.js';
import { REPO_ROOT, spawnService, stopService, waitReady, type ServiceProcess } from './processes.js';
import { seedCatalog } from './seed.js';
import { portOpen, startMongo, startRedis, type StoreProcess } from './stack.js';

/**
 * `npm start`: the whole platform on this machine. Starts Redis (AOF) and a
 * MongoDB-compatible server with data under .data/ unless MONGODB_URL /
 * REDIS_URL point at servers you already run, then every subgraph and the
 * router as separate processes, exactly as they deploy. Ctrl-C stops all.
 */

const dataDir = process.env.SHOPCART_DATA_DIR ?? join(REPO_ROOT, '.data');
const started: ServiceProcess[] = [];
const stores: StoreProcess[] = [];
let stopping = false;

function log(message: string): void {
  process.stdout.write(`[shopcart] ${message}\n`);
}

function startService(name: string, port: number, env: Record<string, string>): ServiceProcess {
  const service = spawnService(name, port, env, (line) => process.stdout.write(`${line}\n`));
  service.child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); shutting down`);
      void stopAll(1);
    }
  });
  started.push(service);
  return service;
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const service of [...started].reverse()) {
    await stopService(service);
    log(`${service.name} stopped`);
  }
  for (const store of stores.reverse()) await store.stop();
  process.exit(code);
}

/**
 * Earlier versions kept the embedded store's data as SQLite files in
 * .data/mongo. Starting on an empty PostgreSQL cluster beside them would show
 * a freshly seeded shop as if the old orders and accounts were gone, so say
 * so and stop instead.
 */
function refuseSqliteData(oldDir: string): void {
  if (!existsSync(oldDir) || !readdirSync(oldDir).some((name) => name.endsWith('.sqlite'))) return;
  throw new Error(
    `${oldDir} holds data of the earlier SQLite-based embedded store, which this version no longer runs ` +
      `(it now runs FerretDB on PostgreSQL, in ${join(dataDir, 'store')}). ` +
      `To start with a freshly seeded shop, move it aside: mv ${oldDir} ${oldDir}-sqlite`,
  );
}

async function main(): Promise<void> {
  const began = Date.now();
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const port of [ROUTER_PORT, ...SUBGRAPHS.map((s) => s.port)]) {
    if (await portOpen(port)) throw new Error(`port ${port} is already in use: is Shopcart already running?`);
  }

  let mongoUrl = process.env.MONGODB_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    const redis = await startRedis({ dir: join(dataDir, 'redis'), port: Number(process.env.SHOPCART_REDIS_PORT ?? 6380), appendonly: true });
    stores.push(redis);
    redisUrl = redis.url;
    log(`Redis (AOF) at ${redisUrl}, data in ${join(dataDir, 'redis')}`);
  }
  let apqRedisUrl = process.env.APQ_REDIS_URL;
  if (!apqRedisUrl) {
    // Persisted queries in a bounded cache of their own, as in production (docker-compose.yml).
    const cache = await startRedis({ dir: join(dataDir, 'redis-cache'), port: Number(process.env.SHOPCART_REDIS_CACHE_PORT ?? 6381), appendonly: false, maxmemory: '64mb', policy: 'allkeys-lru' });
    stores.push(cache);
    apqRedisUrl = cache.url;
    log(`Redis for persisted queries (64 MB, LRU) at ${apqRedisUrl}`);
  }
  if (!mongoUrl) {
    refuseSqliteData(join(dataDir, 'mongo'));
    const mongo = await startMongo({ dir: join(dataDir, 'store'), port: Number(process.env.SHOPCART_MONGO_PORT ?? 27018) });
    stores.push(mongo);
    mongoUrl = mongo.url;
    log(`MongoDB-compatible server at ${mongoUrl}, data in ${join(dataDir, 'store')}`);
  }

  // A demo catalog on an empty database, before the services load their search index.
  const seeded = await seedCatalog({ mongoUrl, size: Number(process.env.SEED_PRODUCTS ?? 2000) });
  if (seeded.seeded) log(`seeded a demo catalog: ${seeded.products} products, ${seeded.variants} variants in ${(seeded.ms / 1000).toFixed(1)}s`);

  const keys = loadOrCreateKeys(join(dataDir, 'keys'));
  const common: Record<string, string> = {
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    APOLLO_TELEMETRY_DISABLED: 'true',
    MONGODB_URL: mongoUrl,
    REDIS_URL: redisUrl,
    // Every service may call another by its <NAME>_URL.
    ...Object.fromEntries(SUBGRAPHS.map(({ name, port }) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${port}/graphql`])),
  };

  await Promise.all(
    SUBGRAPHS.map(async ({ name, port }) => {
      await waitReady(startService(name, port, { ...common, ...serviceKeyEnv(name, keys) }));
    }),
  );

  await waitReady(startService('router', ROUTER_PORT, { ...common, APQ_REDIS_URL: apqRedisUrl, ROUTER_PRIVATE_KEY: keys.routerPrivate, ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic }));

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  log(`ready in ${seconds}s`);
  log(`GraphQL endpoint: http://localhost:${ROUTER_PORT}/graphql`);
  log(`dev admin: ${process.env.ADMIN_EMAIL ?? 'admin@shopcart.dev'} / ${process.env.ADMIN_EMAIL ? '(your ADMIN_PASSWORD)' : 'shopcart-admin'}`);
  log('press Ctrl-C to stop everything');
}

main().catch((err: unknown) => {
  log(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
