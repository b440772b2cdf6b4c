import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLANNED_PORTS, SUBGRAPHS } from '@shopcart/schema/subgraphs.js';
import { REPO_ROOT, startStack, startStores, type PlatformKeys, type ServiceProcess, type Stack, type StoreSet } from '@shopcart/stack';
import { startCommandCounter, type CommandCounter } from './commandCounter.js';

/**
 * Everything the benchmarks measure against, started fresh on free ports by
 * the stack (@shopcart/stack): Redis, a MongoDB-compatible server, a seeded
 * catalog, and every subgraph of the supergraph as its own process. Each
 * MongoDB-backed subgraph reaches the database through its own command
 * counter, so database round trips can be counted per subgraph without
 * touching the subgraphs. The gateways compared are started on top of it
 * (gateways.ts).
 */
export interface BenchStack {
  keys: PlatformKeys;
  mongoUrl: string;
  counters: Record<string, CommandCounter>;
  subgraphs: Record<string, ServiceProcess>;
  subgraphUrls: Record<string, string>;
  /** schema/supergraph.graphql with each subgraph's URL pointing at this stack. */
  supergraphPath: string;
  /** What our router is started with: what the stack's services share, and the router's keys and persisted-query Redis. */
  routerEnv: Record<string, string>;
  seeded: { products: number; variants: number; ms: number };
  stop(): Promise<void>;
}

/**
 * The services as they deploy (NODE_ENV=production) with what production
 * requires an operator to set, for every benchmark that measures them so.
 */
export const BENCH_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  ADMIN_EMAIL: 'bench-admin@shopcart.dev',
  ADMIN_PASSWORD: 'a benchmark-only admin password',
  PAYMENT_PROVIDER: 'test',
  PAYMENT_ALLOW_TEST_PROVIDER: 'true',
  // Registering benchmark customers is not what is measured.
  PASSWORD_HASH_COST: '12',
};

/** Service output worth showing in a benchmark's log: errors, or everything when verbose. */
export const benchOutput = (log: (line: string) => void, verbose = false) => (line: string) => {
  if (verbose || /"level":(50|60)|Error|error:/.test(line)) log(line);
};

/** Callees first: products calls inventory, cart calls both, users calls cart, orders calls them all. */
const START_ORDER = [...SUBGRAPHS.map((s) => s.name), 'orders'].filter((name, i, all) => all.indexOf(name) === i);

export function availableSubgraphs(): string[] {
  return START_ORDER.filter((name) => name in PLANNED_PORTS && existsSync(join(REPO_ROOT, 'subgraphs', name, 'src', 'index.ts')));
}

export function rewriteSupergraph(sdl: string, urls: Record<string, string>): string {
  return sdl.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (whole, name: string) => (urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole));
}

/**
 * Stores of a benchmark's own. Production requires a Redis of their own for
 * the router's persisted queries; another keyspace of the bench's will do.
 */
export async function startBenchStores(options: { appendonly: boolean }): Promise<StoreSet & { apqRedisUrl: string }> {
  const stores = await startStores(options);
  return { ...stores, apqRedisUrl: `${stores.redisUrl}/1` };
}

export interface BenchStackOptions {
  size: number;
  log: (line: string) => void;
  verbose?: boolean;
  /** The services' own background-loop intervals, as `npm start` runs them (default: slowed to a minute, so only requests' commands count). */
  defaultPollers?: boolean;
  /** Each subgraph reaches the database through a command counter (default: yes). */
  countCommands?: boolean;
  /** Writes a V8 CPU profile of each subgraph here, one folder per subgraph, when it exits. */
  cpuProfileDir?: string;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  // Started here rather than by the stack: the command counters stand between them and the services.
  const stores = await startBenchStores({ appendonly: true });
  const counters: Record<string, CommandCounter> = {};
  let stack: Stack | undefined;
  const stop = async () => {
    await stack?.close();
    await Promise.all(Object.values(counters).map((counter) => counter.stop()));
    await stores.stop();
  };
  try {
    const names = availableSubgraphs();
    if (options.countCommands ?? true) {
      const mongoPort = Number(new URL(stores.mongoUrl).port);
      for (const name of names) counters[name] = await startCommandCounter(mongoPort);
    }
    stack = await startStack({
      stores: { mongoUrl: stores.mongoUrl, redisUrl: stores.redisUrl, apqRedisUrl: stores.apqRedisUrl },
      subgraphs: names,
      router: false,
      seedProducts: options.size,
      env: {
        ...BENCH_ENV,
        // Background pollers wake rarely, so the commands counted are the requests' own.
        ...(options.defaultPollers ? {} : { CATALOG_SYNC_MS: '60000', STOCK_PUBLISH_MS: '60000', RESERVATION_SWEEP_MS: '60000' }),
      },
      processEnv: (name): Record<string, string> => (counters[name] ? { MONGODB_URL: counters[name].url } : {}),
      compiled: true,
      nodeArgs: options.cpuProfileDir ? (name) => ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir!, name)}`] : undefined,
      oneAtATime: true,
      readyTimeoutMs: 300_000,
      output: benchOutput(options.log, options.verbose),
      log: options.log,
    });
    const supergraphPath = join(stores.dir!, 'supergraph.graphql');
    writeFileSync(supergraphPath, rewriteSupergraph(readFileSync(join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8'), stack.subgraphUrls));
    return {
      keys: stack.keys,
      mongoUrl: stores.mongoUrl,
      counters,
      subgraphs: Object.fromEntries(names.map((name) => [name, stack!.process(name)])),
      subgraphUrls: stack.subgraphUrls,
      supergraphPath,
      routerEnv: stack.envOf('router'),
      seeded: stack.seeded ?? { products: 0, variants: 0, ms: 0 },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The catalog read path alone (users, inventory, products and our router),
 * seeded with `size` products: what the search and catalog-page scenarios
 * measure. Products loads its search index before it is ready, which takes
 * minutes at 100,000 products on a shared machine.
 */
export async function startCatalogStack(stores: StoreSet & { apqRedisUrl: string }, options: { size: number; log: (line: string) => void; verbose?: boolean }): Promise<Stack> {
  return startStack({
    stores: { mongoUrl: stores.mongoUrl, redisUrl: stores.redisUrl, apqRedisUrl: stores.apqRedisUrl },
    subgraphs: ['users', 'inventory', 'products'],
    seedProducts: options.size,
    env: BENCH_ENV,
    oneAtATime: true,
    readyTimeoutMs: 900_000,
    output: benchOutput(options.log, options.verbose),
    log: options.log,
  });
}
