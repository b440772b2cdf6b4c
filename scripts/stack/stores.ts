import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb } from './embeddedStore.js';
import { freePort, waitForPort } from './ports.js';
import { outputTail, stopper, track, which } from './processes.js';
import { supervise, type Supervised } from './supervisor.js';

/**
 * Starts the stores Shopcart needs on this machine: Redis (AOF) and a
 * MongoDB wire-compatible server (mongod when installed, else FerretDB v1 on
 * PostgreSQL). Used by `npm start`, by the test suite and by the benchmarks.
 */

export interface StoreProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A new folder for one run's stores, removed by the caller. Others may enter
 * it (not list it): PostgreSQL, under the embedded store, runs as its own
 * account when the caller is root.
 */
export function runDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
}

export function toolsDir(): string {
  return process.env.SHOPCART_TOOLS_DIR ?? join(homedir(), '.cache', 'shopcart', 'bin');
}

export function findMongoServer(): { kind: 'mongod' | 'ferretdb'; path: string } {
  const mongod = which('mongod');
  if (mongod) return { kind: 'mongod', path: mongod };
  const ferret = which('ferretdb') ?? (existsSync(join(toolsDir(), 'ferretdb')) ? join(toolsDir(), 'ferretdb') : null);
  if (ferret) return { kind: 'ferretdb', path: ferret };
  throw new Error('No mongod or ferretdb found: run scripts/install-tools.sh');
}

export interface RedisOptions {
  dir: string;
  port?: number;
  appendonly?: boolean;
  verbose?: boolean;
  /** A memory limit and what happens at it: state never evicts (the default); a cache evicts least recently used keys. */
  maxmemory?: string;
  policy?: 'noeviction' | 'allkeys-lru';
}

export async function startRedis(options: RedisOptions): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dir, '--save', '', '--daemonize', 'no'];
  if (options.appendonly ?? true) args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  else args.push('--appendonly', 'no');
  args.push('--maxmemory-policy', options.policy ?? 'noeviction');
  if (options.maxmemory) args.push('--maxmemory', options.maxmemory);
  const child = track(spawn(which('redis-server') ?? '/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  outputTail(child, 'redis', options.verbose ?? false);
  await waitForPort(port, child, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}

export interface MongoOptions {
  /** Everything the server keeps: mongod's dbpath, or PostgreSQL's cluster and FerretDB's state. */
  dir: string;
  port?: number;
  verbose?: boolean;
  /**
   * False for stores that live as long as one test run: PostgreSQL skips
   * fsync. `npm start` and the benchmarks keep the default, so their
   * figures are those of a store whose data survives a power cut.
   */
  durable?: boolean;
  /**
   * PostgreSQL takes an index whenever one can answer the filter, however
   * small the table (enable_seqscan=off): the test run's store, where a
   * sequential scan left in a plan then means that no index can.
   */
  preferIndexes?: boolean;
}

/**
 * A MongoDB wire-compatible server: mongod where one is installed, else
 * FerretDB v1 in front of a PostgreSQL cluster of its own (see
 * embeddedStore.ts for why PostgreSQL and not SQLite).
 */
export async function startMongo(options: MongoOptions): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const server = findMongoServer();
  if (server.kind === 'ferretdb') return startFerretDb(server.path, options);
  const port = options.port ?? (await freePort());
  const child = track(spawn(server.path, ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', options.dir, '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.dir,
  }));
  outputTail(child, 'mongod', options.verbose ?? false);
  await waitForPort(port, child, 'mongod');
  return { url: `mongodb://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}

/** Where a stack's services find their stores. */
export interface StoreUrls {
  mongoUrl: string;
  redisUrl: string;
  /** The router's Redis for persisted queries, when it has one of its own. */
  apqRedisUrl?: string;
}

export interface StoresOptions {
  /** Servers already running: used as they are, neither started nor stopped. */
  mongoUrl?: string;
  redisUrl?: string;
  apqRedisUrl?: string;
  /** Where started stores keep their data: redis/, redis-cache/ and store/ (default: a temporary folder, removed at stop). */
  dir?: string;
  /** Ports for started stores (default: free ports); chosen once, so a restarted store is where the services look for it. */
  ports?: { redis?: number; cache?: number; mongo?: number };
  /** Also a Redis for the router's persisted queries, bounded and evicting, as production runs it (default: none). */
  cache?: boolean;
  /** Redis's append-only file (default: on). */
  appendonly?: boolean;
  /** The MongoDB-compatible server's: see MongoOptions. */
  durable?: boolean;
  preferIndexes?: boolean;
  /** Starts a store again, on its port and data, whenever it dies (`npm start`). */
  supervise?: boolean;
  log?: (line: string) => void;
  verbose?: boolean;
}

export interface StoreSet extends StoreUrls {
  /** The folder of the started stores' data, if any were started. */
  dir?: string;
  /** From now on a store that exits is not started again: the stack is stopping as a whole. */
  stopRestarting(): void;
  /** Stops the stores started here (and removes their folder when it was a temporary one). */
  stop(): Promise<void>;
}

/** The stores of one stack: the ones not given as URLs are started. */
export async function startStores(options: StoresOptions = {}): Promise<StoreSet> {
  const toStart = [!options.redisUrl, options.cache && !options.apqRedisUrl, !options.mongoUrl].some(Boolean);
  const temporary = toStart && !options.dir;
  const dir = toStart ? (options.dir ?? runDir('shopcart-stack-')) : undefined;
  const log = options.log ?? (() => {});
  const started: Supervised[] = [];
  const stopRestarting = () => {
    for (const store of started) store.stopRestarting();
  };
  const stop = async () => {
    stopRestarting();
    for (const store of [...started].reverse()) await store.stop();
    if (temporary && dir) rmSync(dir, { recursive: true, force: true });
  };

  const run = async (name: string, start: () => Promise<StoreProcess>): Promise<string> => {
    let url = '';
    const startOne = async () => {
      const store = await start();
      url = store.url;
      return store;
    };
    if (options.supervise) {
      started.push(await supervise({ name, log, start: startOne, started: (first) => log(`${name} started (pid ${first.child.pid})`) }));
    } else {
      const store = await startOne();
      started.push({ name, current: () => store, stopRestarting: () => {}, stop: () => store.stop() });
    }
    return url;
  };
  const redisUrl = async (): Promise<string> => {
    if (options.redisUrl) return options.redisUrl;
    const redis = { dir: join(dir!, 'redis'), port: options.ports?.redis ?? (await freePort()), appendonly: options.appendonly ?? true, verbose: options.verbose };
    const url = await run('redis', () => startRedis(redis));
    log(`Redis (${redis.appendonly ? 'AOF' : 'no AOF'}, never evicts) at ${url}, data in ${redis.dir}`);
    return url;
  };
  const apqRedisUrl = async (): Promise<string | undefined> => {
    if (options.apqRedisUrl || !options.cache) return options.apqRedisUrl;
    const cache = { dir: join(dir!, 'redis-cache'), port: options.ports?.cache ?? (await freePort()), appendonly: false, maxmemory: '64mb', policy: 'allkeys-lru' as const, verbose: options.verbose };
    const url = await run('redis-cache', () => startRedis(cache));
    log(`Redis for persisted queries (64 MB, LRU) at ${url}`);
    return url;
  };
  const mongoUrl = async (): Promise<string> => {
    if (options.mongoUrl) return options.mongoUrl;
    const mongo = { dir: join(dir!, 'store'), port: options.ports?.mongo ?? (await freePort()), durable: options.durable, preferIndexes: options.preferIndexes, verbose: options.verbose };
    const url = await run('store', () => startMongo(mongo));
    log(`MongoDB-compatible server at ${url}, data in ${mongo.dir}`);
    return url;
  };

  try {
    const [redis, apqRedis, mongo] = await Promise.all([redisUrl(), apqRedisUrl(), mongoUrl()]);
    return { mongoUrl: mongo, redisUrl: redis, ...(apqRedis ? { apqRedisUrl: apqRedis } : {}), dir, stopRestarting, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
