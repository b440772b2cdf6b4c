import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROUTER_PORT, SUBGRAPHS } from '../schema/subgraphs.js';
import { loadOrCreateKeys, serviceKeyEnv } from './keys.js';
import { portOpen, startMongo, startRedis, type StoreProcess } from './stack.js';

/**
 * `npm start`: the whole platform on this machine. Starts Redis (AOF) and a
 * MongoDB-compatible server with data under .data/ unless MONGODB_URL /
 * REDIS_URL point at servers you already run, then every subgraph and the
 * router as separate processes, exactly as they deploy. Ctrl-C stops all.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = process.env.SHOPCART_DATA_DIR ?? join(root, '.data');
const started: Array<{ name: string; child: ChildProcess }> = [];
const stores: StoreProcess[] = [];
let stopping = false;

function log(message: string): void {
  process.stdout.write(`[shopcart] ${message}\n`);
}

function prefixOutput(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
}

async function waitReady(name: string, port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} was not ready on port ${port} within ${timeoutMs / 1000}s`);
}

function startService(name: string, entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixOutput(name, child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} stopped unexpectedly (${signal ?? `exit ${code}`}); shutting down`);
      void stopAll(1);
    }
  });
  started.push({ name, child });
  return child;
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  for (const { name, child } of [...started].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
    log(`${name} stopped`);
  }
  for (const store of stores.reverse()) await store.stop();
  process.exit(code);
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
  if (!mongoUrl) {
    const mongo = await startMongo({ dir: join(dataDir, 'mongo'), port: Number(process.env.SHOPCART_MONGO_PORT ?? 27018) });
    stores.push(mongo);
    mongoUrl = mongo.url;
    log(`MongoDB-compatible server at ${mongoUrl}, data in ${join(dataDir, 'mongo')}`);
  }

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
      const child = startService(name, `subgraphs/${name}/src/index.ts`, { ...common, ...serviceKeyEnv(name, keys), PORT: String(port) });
      await waitReady(name, port, child);
    }),
  );

  const router = startService('router', 'router/src/index.ts', {
    ...common,
    PORT: String(ROUTER_PORT),
    ROUTER_PRIVATE_KEY: keys.routerPrivate,
    ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic,
  });
  await waitReady('router', ROUTER_PORT, router);

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
