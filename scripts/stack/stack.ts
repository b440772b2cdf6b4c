import { randomBytes } from 'node:crypto';
import { ROUTER_PORT, SUBGRAPHS } from '@shopcart/schema/subgraphs.js';
import { generateKeys, type PlatformKeys } from './keys.js';
import { freePort, portOpen } from './ports.js';
import { spawnService, stopService, waitReady, type ServiceProcess } from './processes.js';
import { seedCatalog, type SeedResult } from './seed.js';
import { graphqlUrl, stackEnv, type StackEnv } from './stackEnv.js';
import { startStores, type StoreSet, type StoresOptions } from './stores.js';
import { supervise, type Supervised } from './supervisor.js';

/**
 * Shopcart on this machine, the one way it is started: its stores, a demo
 * catalog, then every subgraph and the router as a process of its own, as
 * they deploy, each with the environment stackEnv.ts builds. `npm start`
 * runs it supervised on the development ports; the tests, the audit and the
 * benchmarks on free ports, with stores of their own or shared ones. Any one
 * service can be stopped with a real signal and started again on its port.
 */

export interface StackOptions {
  /** Stores already running (their URLs), or how to start the stack's own (default: in a temporary folder). */
  stores?: StoresOptions;
  /** Subgraphs to run (default: every subgraph of the supergraph), started callees first. */
  subgraphs?: string[];
  /** Also the router (default: yes). */
  router?: boolean;
  /** 'free' (default): free ports, a metrics port of its own for each process; 'default': the development ports of schema/subgraphs.ts. */
  ports?: 'free' | 'default';
  /** Default: fresh keys. */
  keys?: PlatformKeys;
  /** Databases and Redis keys of this stack's own, the prefix named after this label: for stores shared with others. */
  namespace?: string;
  /** Seeds the demo catalog with this many products on empty databases, before the services start. */
  seedProducts?: number;
  /** Variables for every service (NODE_ENV, LOG_LEVEL, limits). */
  env?: Record<string, string>;
  /** Variables for the router only. */
  routerEnv?: Record<string, string>;
  /** Variables for one process that others must not be told (a subgraph's own route to the database). */
  processEnv?: (name: string) => Record<string, string>;
  /** Runs the compiled services (`npm run build`) as their images do, instead of the sources. */
  compiled?: boolean;
  /** Node flags for a service's process, e.g. --cpu-prof for a benchmark's profile. */
  nodeArgs?: (name: string) => string[];
  /** Starts the subgraphs one after another instead of all at once (a large catalog's search index loads on a shared machine). */
  oneAtATime?: boolean;
  readyTimeoutMs?: number;
  /** Starts a store or a service again whenever it dies, as an orchestrator would (`npm start`). */
  supervise?: boolean;
  /** How long a service may drain after SIGTERM before it is killed (default: 15 s). */
  stopGraceMs?: number;
  /** Every output line of the services, as `[name] line`. */
  output?: (line: string) => void;
  /** What the stack does: stores and services started, restarted, stopped. */
  log?: (line: string) => void;
}

export interface Stack {
  /** The router's GraphQL endpoint ('' without a router). */
  routerUrl: string;
  /** Subgraph names in start order (callees first). */
  subgraphs: string[];
  subgraphUrls: Record<string, string>;
  ports: Record<string, number>;
  /** Each service's /metrics, on its metrics listener (METRICS_PORT), on free ports. */
  metricsUrls: Record<string, string>;
  keys: PlatformKeys;
  stores: StoreSet;
  seeded: SeedResult | null;
  env: StackEnv;
  /** Output lines of each service, newest last (the current and earlier processes). */
  logs: Record<string, string[]>;
  /** The environment a service is started with. */
  envOf(name: string): Record<string, string>;
  /** The running (or last) process of a service. */
  process(name: string): ServiceProcess;
  /** Sends the signal and waits for the process to exit. */
  kill(name: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts a stopped service again on its port and waits until it is ready. */
  start(name: string): Promise<void>;
  /** Stops every service, router first, then the stores the stack started. */
  close(): Promise<void>;
}

const MAX_LOG_LINES = 5_000;
const DEFAULT_PORTS: Record<string, number> = { ...Object.fromEntries(SUBGRAPHS.map(({ name, port }) => [name, port])), router: ROUTER_PORT };

const exited = (service: ServiceProcess) => service.child.exitCode !== null || service.child.signalCode !== null;

async function portsOf(services: string[], free: boolean): Promise<{ ports: Record<string, number>; metricsPorts: Record<string, number> }> {
  const ports: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  for (const name of services) {
    if (!free && !DEFAULT_PORTS[name]) throw new Error(`${name} has no development port in schema/subgraphs.ts`);
    ports[name] = free ? await freePort() : DEFAULT_PORTS[name]!;
    // Set, not left to the default (PORT + METRICS_PORT_OFFSET), which may be taken on a busy machine.
    if (free) metricsPorts[name] = await freePort();
  }
  if (!free) {
    for (const port of Object.values(ports)) if (await portOpen(port)) throw new Error(`port ${port} is already in use: is Shopcart already running?`);
  }
  return { ports, metricsPorts };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const names = options.subgraphs ?? SUBGRAPHS.map((s) => s.name);
  const services = options.router === false ? names : [...names, 'router'];
  const log = options.log ?? (() => {});
  const graceMs = options.stopGraceMs ?? 15_000;
  const { ports, metricsPorts } = await portsOf(services, (options.ports ?? 'free') === 'free');
  const stores = await startStores({ ...options.stores, supervise: options.supervise, log: options.log });
  const keys = options.keys ?? generateKeys();
  const env = stackEnv({
    keys,
    mongoUrl: stores.mongoUrl,
    redisUrl: stores.redisUrl,
    apqRedisUrl: stores.apqRedisUrl,
    subgraphUrls: Object.fromEntries(names.map((name) => [name, graphqlUrl(ports[name]!)])),
    namespace: options.namespace ? { label: options.namespace, id: randomBytes(4).toString('hex') } : undefined,
    env: options.env,
    routerEnv: options.routerEnv,
  });

  const logs: Record<string, string[]> = Object.fromEntries(services.map((name) => [name, []]));
  const current: Record<string, ServiceProcess> = {};
  const supervised: Record<string, Supervised> = {};
  const spawnOne = (name: string): ServiceProcess => {
    // The ports belong to this process, not to the configuration envOf hands to others.
    const metrics: Record<string, string> = metricsPorts[name] ? { METRICS_PORT: String(metricsPorts[name]) } : {};
    const service = spawnService(name, ports[name]!, { ...env.of(name), ...metrics, ...options.processEnv?.(name) }, (line) => {
      const lines = logs[name]!;
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
      options.output?.(line);
    }, { compiled: options.compiled, nodeArgs: options.nodeArgs?.(name) });
    current[name] = service;
    return service;
  };
  const launch = async (name: string): Promise<void> => {
    const started = (pid: number | undefined) => log(`${name} started (pid ${pid}) on port ${ports[name]}`);
    if (options.supervise) {
      supervised[name] = await supervise({
        name,
        log,
        start: async () => {
          const service = spawnOne(name);
          return { child: service.child, stop: () => stopService(service, graceMs) };
        },
        started: (first) => started(first.child.pid),
      });
    } else {
      started(spawnOne(name).child.pid);
    }
    await waitReady(current[name]!, options.readyTimeoutMs);
  };

  const stack: Stack = {
    routerUrl: options.router === false ? '' : graphqlUrl(ports.router!),
    subgraphs: names,
    subgraphUrls: Object.fromEntries(names.map((name) => [name, graphqlUrl(ports[name]!)])),
    ports,
    metricsUrls: Object.fromEntries(Object.entries(metricsPorts).map(([name, port]) => [name, `http://127.0.0.1:${port}/metrics`])),
    keys,
    stores,
    seeded: null,
    env,
    logs,
    envOf: (name) => env.of(name),
    process: (name) => current[name]!,
    kill(name, signal) {
      const { child } = current[name]!;
      if (exited(current[name]!)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
      return new Promise((resolve) => {
        child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
        child.kill(signal);
      });
    },
    async start(name) {
      if (options.supervise) throw new Error(`${name} is supervised: the stack starts it again itself`);
      spawnOne(name);
      await waitReady(current[name]!, options.readyTimeoutMs);
    },
    async close() {
      // Ctrl-C reaches every process at once: none is started again while the others stop in turn.
      for (const service of Object.values(supervised)) service.stopRestarting();
      stores.stopRestarting();
      for (const name of [...services].reverse()) {
        const service = current[name];
        if (supervised[name]) await supervised[name].stop();
        else if (service && !exited(service)) {
          // A stopped (SIGSTOP) process must be resumed to act on SIGTERM.
          service.child.kill('SIGCONT');
          await stopService(service, graceMs);
        } else continue;
        log(`${name} stopped`);
      }
      await stores.stop();
    },
  };

  try {
    if (options.seedProducts !== undefined) {
      // On empty databases only, and before the services load their search index.
      stack.seeded = await seedCatalog({ mongoUrl: stores.mongoUrl, size: options.seedProducts, productsDb: env.shared.PRODUCTS_DB_NAME, inventoryDb: env.shared.INVENTORY_DB_NAME });
      const { seeded, products, variants, ms } = stack.seeded;
      if (seeded) log(`seeded a demo catalog: ${products} products, ${variants} variants in ${(ms / 1000).toFixed(1)}s`);
    }
    // Callees first; started all at once, the services retry what they need from each other.
    if (options.oneAtATime) for (const name of names) await launch(name);
    else await Promise.all(names.map(launch));
    if (options.router !== false) await launch('router');
  } catch (err) {
    await stack.close();
    const tail = Object.entries(logs).flatMap(([name, lines]) => lines.slice(-5).map((line) => `${name}: ${line}`));
    throw new Error([err instanceof Error ? err.message : String(err), ...tail].join('\n'));
  }
  return stack;
}
