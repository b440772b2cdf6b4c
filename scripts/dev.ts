import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROUTER_PORT, SUBGRAPHS } from '../schema/subgraphs.js';
import { loadOrCreateKeys, serviceKeyEnv } from './keys.js';
import { REPO_ROOT, spawnService, stopService, waitReady } from './processes.js';
import { seedCatalog } from './seed.js';
import { freePort, portOpen, startMongo, startRedis, type MongoOptions, type RedisOptions, type StoreProcess } from './stack.js';
import { supervise, type Supervised } from './supervisor.js';

/**
 * `npm start`: the whole platform on this machine. Starts Redis (AOF) and a
 * MongoDB-compatible server with data under .data/ unless MONGODB_URL /
 * REDIS_URL point at servers you already run, then every subgraph and the
 * router as separate processes, exactly as they deploy. A process that dies
 * is started again (supervisor.ts) while the rest keeps serving. Ctrl-C
 * stops all. SHOPCART_FREE_PORTS=true runs everything on free ports (tests).
 */

const dataDir = process.env.SHOPCART_DATA_DIR ?? join(REPO_ROOT, '.data');
const freePorts = process.env.SHOPCART_FREE_PORTS === 'true';
const services: Supervised[] = [];
const stores: Supervised[] = [];
let stopping = false;

function log(message: string): void {
  process.stdout.write(`[shopcart] ${message}\n`);
}

const portFor = async (fixed: number): Promise<number> => (freePorts ? freePort() : fixed);

/** A service of the platform, started again whenever it dies. */
async function startService(name: string, port: number, env: Record<string, string>): Promise<Supervised> {
  const service = await supervise({
    name,
    log,
    start: async () => {
      const spawned = spawnService(name, port, env, (line) => process.stdout.write(`${line}\n`));
      return { child: spawned.child, stop: () => stopService(spawned) };
    },
    started: (running) => log(`${name} started (pid ${running.child.pid}) on port ${port}`),
  });
  services.push(service);
  return service;
}

/** A store, started again on the same port and data whenever it dies; the services reconnect on their own. */
async function startStore(name: string, start: () => Promise<StoreProcess>): Promise<string> {
  let url = '';
  const store = await supervise({
    name,
    log,
    start: async () => {
      const started = await start();
      url = started.url;
      return started;
    },
    started: (running) => log(`${name} started (pid ${running.child.pid})`),
  });
  stores.push(store);
  return url;
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const service of [...services].reverse()) {
    await service.stop();
    log(`${service.name} stopped`);
  }
  for (const store of [...stores].reverse()) await store.stop();
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

  const routerPort = await portFor(ROUTER_PORT);
  const subgraphs = await Promise.all(SUBGRAPHS.map(async ({ name, port }) => ({ name, port: await portFor(port) })));
  for (const port of [routerPort, ...subgraphs.map((s) => s.port)]) {
    if (await portOpen(port)) throw new Error(`port ${port} is already in use: is Shopcart already running?`);
  }

  let mongoUrl = process.env.MONGODB_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    // Fixed ports, so that a restarted store is where the services look for it.
    const options: RedisOptions = { dir: join(dataDir, 'redis'), port: await portFor(Number(process.env.SHOPCART_REDIS_PORT ?? 6380)), appendonly: true };
    redisUrl = await startStore('redis', () => startRedis(options));
    log(`Redis (AOF, never evicts) at ${redisUrl}, data in ${options.dir}`);
  }
  let apqRedisUrl = process.env.APQ_REDIS_URL;
  if (!apqRedisUrl) {
    // Persisted queries in a bounded cache of their own, as in production (docker-compose.yml).
    const options: RedisOptions = { dir: join(dataDir, 'redis-cache'), port: await portFor(Number(process.env.SHOPCART_REDIS_CACHE_PORT ?? 6381)), appendonly: false, maxmemory: '64mb', policy: 'allkeys-lru' };
    apqRedisUrl = await startStore('redis-cache', () => startRedis(options));
    log(`Redis for persisted queries (64 MB, LRU) at ${apqRedisUrl}`);
  }
  if (!mongoUrl) {
    refuseSqliteData(join(dataDir, 'mongo'));
    const options: MongoOptions = { dir: join(dataDir, 'store'), port: await portFor(Number(process.env.SHOPCART_MONGO_PORT ?? 27018)) };
    mongoUrl = await startStore('store', () => startMongo(options));
    log(`MongoDB-compatible server at ${mongoUrl}, data in ${options.dir}`);
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
    ...Object.fromEntries(subgraphs.map(({ name, port }) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${port}/graphql`])),
    // On free ports, metrics listeners take free ports too (each logs its own).
    ...(freePorts ? { METRICS_PORT: '0' } : {}),
  };
  const ready = (service: Supervised, port: number) => waitReady({ name: service.name, port, child: service.current()!.child });

  await Promise.all(subgraphs.map(async ({ name, port }) => ready(await startService(name, port, { ...common, ...serviceKeyEnv(name, keys) }), port)));

  const routerEnv = { ...common, APQ_REDIS_URL: apqRedisUrl, ROUTER_PRIVATE_KEY: keys.routerPrivate, ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic };
  await ready(await startService('router', routerPort, routerEnv), routerPort);

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  log(`ready in ${seconds}s`);
  log(`GraphQL endpoint: http://localhost:${routerPort}/graphql`);
  log(`dev admin: ${process.env.ADMIN_EMAIL ?? 'admin@shopcart.dev'} / ${process.env.ADMIN_EMAIL ? '(your ADMIN_PASSWORD)' : 'shopcart-admin'}`);
  log('press Ctrl-C to stop everything');
}

main().catch((err: unknown) => {
  log(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
