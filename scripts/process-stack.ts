import { randomBytes } from 'node:crypto';
import { SUBGRAPHS } from '../schema/subgraphs.js';
import { generateKeys, serviceKeyEnv, type PlatformKeys } from './keys.js';
import { spawnService, waitReady, type ServiceProcess } from './processes.js';
import { seedCatalog } from './seed.js';
import { freePort } from './stack.js';

/**
 * Every subgraph of the supergraph and the router as separate processes on
 * free ports, as `npm start` runs them, against given stores with their own
 * database names and Redis key prefix. Any one service can be stopped with a
 * real signal and started again on its port, which is what failure tests
 * and the degraded-mode benchmark need.
 */
export interface ProcessStack {
  routerUrl: string;
  /** Subgraph names in start order (callees first). */
  subgraphs: string[];
  ports: Record<string, number>;
  /** Each service's /metrics, on its metrics listener (METRICS_PORT). */
  metricsUrls: Record<string, string>;
  keys: PlatformKeys;
  /** Output lines of each service, newest last (the current and earlier processes). */
  logs: Record<string, string[]>;
  /** The environment a service is started with. */
  envOf(name: string): Record<string, string>;
  /** The running process of a service. */
  process(name: string): ServiceProcess;
  /** Sends the signal and waits for the process to exit. */
  kill(name: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Starts a stopped service again on its port and waits until it is ready. */
  start(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface ProcessStackOptions {
  mongoUrl: string;
  redisUrl: string;
  /** Demo products seeded before the services start (0: none). */
  seedProducts?: number;
  /** Variables for every service (e.g. NODE_ENV, LOG_LEVEL). */
  env?: Record<string, string>;
  /** Variables for the router only (timeouts, breaker, limits). */
  routerEnv?: Record<string, string>;
}

const MAX_LOG_LINES = 5_000;

export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const suffix = randomBytes(4).toString('hex');
  const keys = generateKeys();
  const names = SUBGRAPHS.map((s) => s.name);
  const ports: Record<string, number> = {};
  const metricsPorts: Record<string, number> = {};
  for (const name of [...names, 'router']) {
    ports[name] = await freePort();
    // Set, not left to the default (PORT + METRICS_PORT_OFFSET), which may be taken on a busy machine.
    metricsPorts[name] = await freePort();
  }
  const dbNames = Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_DB_NAME`, `shopcart_${name}_${suffix}`]));

  if (options.seedProducts) {
    await seedCatalog({ mongoUrl: options.mongoUrl, size: options.seedProducts, productsDb: dbNames.PRODUCTS_DB_NAME, inventoryDb: dbNames.INVENTORY_DB_NAME });
  }

  const common: Record<string, string> = {
    // As the services run outside tests: under NODE_ENV=test Apollo Server leaves the
    // termination signals alone, which once hid a SIGTERM that never let a process exit.
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    APOLLO_TELEMETRY_DISABLED: 'true',
    MONGODB_URL: options.mongoUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: `stack-${suffix}:`,
    PASSWORD_HASH_COST: '12',
    ...dbNames,
    ...Object.fromEntries(names.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`])),
    ...options.env,
  };
  const envOf = (name: string): Record<string, string> =>
    name === 'router'
      ? { ...common, ROUTER_PRIVATE_KEY: keys.routerPrivate, ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic, ...options.routerEnv }
      : { ...common, ...serviceKeyEnv(name, keys) };

  const logs: Record<string, string[]> = Object.fromEntries([...names, 'router'].map((name) => [name, []]));
  const running: Record<string, ServiceProcess> = {};
  const spawnOne = (name: string) => {
    // The ports belong to this process, not to the configuration envOf hands to others.
    const service = spawnService(name, ports[name]!, { ...envOf(name), METRICS_PORT: String(metricsPorts[name]) }, (line) => {
      const lines = logs[name]!;
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
    });
    running[name] = service;
    return service;
  };
  const exited = (service: ServiceProcess) => service.child.exitCode !== null || service.child.signalCode !== null;

  const stack: ProcessStack = {
    routerUrl: `http://127.0.0.1:${ports.router}/graphql`,
    subgraphs: names,
    ports,
    metricsUrls: Object.fromEntries(Object.entries(metricsPorts).map(([name, port]) => [name, `http://127.0.0.1:${port}/metrics`])),
    keys,
    logs,
    envOf,
    process: (name) => running[name]!,
    kill(name, signal) {
      const { child } = running[name]!;
      if (exited(running[name]!)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
      return new Promise((resolve) => {
        child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
        child.kill(signal);
      });
    },
    async start(name) {
      await waitReady(spawnOne(name), 60_000);
    },
    async close() {
      for (const name of ['router', ...[...names].reverse()]) {
        const service = running[name];
        if (!service || exited(service)) continue;
        // A stopped (SIGSTOP) process must be resumed to act on SIGTERM.
        service.child.kill('SIGCONT');
        const timer = setTimeout(() => service.child.kill('SIGKILL'), 5_000);
        await stack.kill(name, 'SIGTERM');
        clearTimeout(timer);
      }
    },
  };

  try {
    // As `npm start` does: services retry what they need from each other.
    await Promise.all(names.map((name) => stack.start(name)));
    await stack.start('router');
  } catch (err) {
    await stack.close();
    const tail = Object.entries(logs).flatMap(([name, lines]) => lines.slice(-5).map((line) => `${name}: ${line}`));
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail.join('\n')}`);
  }
  return stack;
}
