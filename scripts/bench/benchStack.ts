import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLANNED_PORTS, SUBGRAPHS } from '../../schema/subgraphs.js';
import { generateKeys, serviceKeyEnv, type PlatformKeys } from '../keys.js';
import { REPO_ROOT, spawnService, stopService, waitReady, type ServiceProcess } from '../processes.js';
import { seedCatalog } from '../seed.js';
import { freePort, runDir, startMongo, startRedis, type StoreProcess } from '../stack.js';
import { startCommandCounter, type CommandCounter } from './commandCounter.js';

/**
 * Everything the benchmarks measure against, started fresh on free ports:
 * Redis, a MongoDB-compatible server, a seeded catalog, and every subgraph
 * of the supergraph as its own process. Each MongoDB-backed subgraph reaches
 * the database through its own command counter, so database round trips
 * can be counted per subgraph without touching the subgraphs.
 */
export interface BenchStack {
  dir: string;
  keys: PlatformKeys;
  redis: StoreProcess;
  mongo: StoreProcess;
  counters: Record<string, CommandCounter>;
  subgraphs: Record<string, ServiceProcess>;
  subgraphUrls: Record<string, string>;
  /** schema/supergraph.graphql with each subgraph's URL pointing at this stack. */
  supergraphPath: string;
  /** What every process of the stack is configured with. */
  commonEnv: Record<string, string>;
  seeded: { products: number; variants: number; ms: number };
  stop(): Promise<void>;
}

/** Callees first: products calls inventory, cart calls both, users calls cart, orders calls them all. */
const START_ORDER = [...SUBGRAPHS.map((s) => s.name), 'orders'].filter((name, i, all) => all.indexOf(name) === i);

export function availableSubgraphs(): string[] {
  return START_ORDER.filter((name) => name in PLANNED_PORTS && existsSync(join(REPO_ROOT, 'subgraphs', name, 'src', 'index.ts')));
}

export function rewriteSupergraph(sdl: string, urls: Record<string, string>): string {
  return sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (whole, name: string) => (urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole));
}

export interface BenchStackOptions {
  size: number;
  log: (line: string) => void;
  verbose?: boolean;
  /** The services' own background-loop intervals, as `npm start` runs them (default: slowed to a minute, so only requests' commands count). */
  defaultPollers?: boolean;
  /** Each subgraph reaches the database through a command counter (default: yes). */
  countCommands?: boolean;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = runDir('shopcart-bench-');
  const [redis, mongo] = await Promise.all([startRedis({ dir: join(dir, 'redis'), appendonly: true }), startMongo({ dir: join(dir, 'mongo') })]);
  const counters: Record<string, CommandCounter> = {};
  const subgraphs: Record<string, ServiceProcess> = {};
  const stop = async () => {
    for (const service of Object.values(subgraphs).reverse()) await stopService(service);
    await Promise.all(Object.values(counters).map((counter) => counter.stop()));
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const seeded = await seedCatalog({ mongoUrl: mongo.url, size: options.size });
    options.log(`seeded ${seeded.products} products (${seeded.variants} variants) in ${(seeded.ms / 1000).toFixed(1)}s`);

    const keys = generateKeys();
    const names = availableSubgraphs();
    const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const)));
    const subgraphUrls = Object.fromEntries(names.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`]));
    const commonEnv: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      APOLLO_TELEMETRY_DISABLED: 'true',
      MONGODB_URL: mongo.url,
      REDIS_URL: redis.url,
      ADMIN_EMAIL: 'bench-admin@shopcart.dev',
      ADMIN_PASSWORD: 'a benchmark-only admin password',
      PAYMENT_PROVIDER: 'test',
      PAYMENT_ALLOW_TEST_PROVIDER: 'true',
      // Registering benchmark customers is not what is measured.
      PASSWORD_HASH_COST: '12',
      // Background pollers wake rarely, so the commands counted are the requests' own.
      ...(options.defaultPollers ? {} : { CATALOG_SYNC_MS: '60000', STOCK_PUBLISH_MS: '60000', RESERVATION_SWEEP_MS: '60000' }),
      ...Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_URL`, subgraphUrls[name]!])),
    };
    for (const name of names) {
      if (options.countCommands ?? true) counters[name] = await startCommandCounter(mongo.port);
      const env = { ...commonEnv, ...serviceKeyEnv(name, keys), MONGODB_URL: counters[name]?.url ?? mongo.url };
      const output = (line: string) => {
        if (options.verbose || /"level":(50|60)|Error|error:/.test(line)) options.log(line);
      };
      subgraphs[name] = spawnService(name, ports[name]!, env, output, { compiled: true });
      await waitReady(subgraphs[name], 300_000);
    }
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, rewriteSupergraph(readFileSync(join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8'), subgraphUrls));
    return { dir, keys, redis, mongo, counters, subgraphs, subgraphUrls, supergraphPath, commonEnv, seeded, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
