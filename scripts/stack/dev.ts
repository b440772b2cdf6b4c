import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateKeys } from './keys.js';
import { REPO_ROOT } from './processes.js';
import { startStack, type Stack } from './stack.js';

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
let stack: Stack | undefined;
let stopping = false;

function log(message: string): void {
  process.stdout.write(`[shopcart] ${message}\n`);
}

/** Before the platform is up there is nothing to stop in order: exiting ends every process started so far (processes.ts). */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stack?.close();
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

/** A store's fixed port, so that a restarted store is where the services look for it; on free ports, chosen by the stack. */
const storePort = (variable: string, fixed: number): number | undefined => (freePorts ? undefined : Number(process.env[variable] ?? fixed));

async function main(): Promise<void> {
  const began = Date.now();
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  if (!process.env.MONGODB_URL) refuseSqliteData(join(dataDir, 'mongo'));

  stack = await startStack({
    ports: freePorts ? 'free' : 'default',
    stores: {
      mongoUrl: process.env.MONGODB_URL,
      redisUrl: process.env.REDIS_URL,
      // Persisted queries in a bounded cache of their own, as in production (docker-compose.yml).
      apqRedisUrl: process.env.APQ_REDIS_URL,
      cache: true,
      dir: dataDir,
      ports: { redis: storePort('SHOPCART_REDIS_PORT', 6380), cache: storePort('SHOPCART_REDIS_CACHE_PORT', 6381), mongo: storePort('SHOPCART_MONGO_PORT', 27018) },
    },
    keys: loadOrCreateKeys(join(dataDir, 'keys')),
    seedProducts: Number(process.env.SEED_PRODUCTS ?? 2000),
    env: { NODE_ENV: process.env.NODE_ENV ?? 'development' },
    supervise: true,
    output: (line) => process.stdout.write(`${line}\n`),
    log,
  });

  const seconds = ((Date.now() - began) / 1000).toFixed(1);
  log(`ready in ${seconds}s`);
  log(`GraphQL endpoint: http://localhost:${stack.ports.router}/graphql`);
  log(`dev admin: ${process.env.ADMIN_EMAIL ?? 'admin@shopcart.dev'} / ${process.env.ADMIN_EMAIL ? '(your ADMIN_PASSWORD)' : 'shopcart-admin'}`);
  log('press Ctrl-C to stop everything');
}

main().catch((err: unknown) => {
  log(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
