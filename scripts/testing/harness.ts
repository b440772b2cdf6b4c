import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { listen, type Runnable } from '@shopcart/kit';
import { createRouter } from '@shopcart/router';
import { loadRouterEnv } from '@shopcart/router/env';
import type { UsersService } from '@shopcart/users';
import { generateKeys, stackEnv, type PlatformKeys } from '@shopcart/stack';
import { SUBGRAPH_MODULES } from './subgraphs.js';
import './vitest-context.js';

/**
 * Starts subgraphs and the router in this process on free ports, against
 * the real stores of the test run, each platform with its own databases and
 * Redis key prefix so test files never see each other's data.
 */
export interface Platform {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  /** Each service's /metrics (router included), on its own listener: the public ports answer 404 there. */
  metricsUrls: Record<string, string>;
  keys: PlatformKeys;
  users: UsersService;
  services: Record<string, Runnable>;
  /** What a router of this platform is started with: every variable its services share, and the router's keys. */
  env: Record<string, string>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: RequestOptions): Promise<GqlResponse<T>>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  url?: string;
}

export interface GqlResponse<T> {
  status: number;
  data: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  body: any;
  headers: Headers;
}

export interface PlatformOptions {
  mongoUrl: string;
  redisUrl: string;
  env?: Record<string, string>;
  /** Verify access tokens through users' JWKS endpoint instead of a configured public key. */
  useJwks?: boolean;
  /** Subgraphs to start (default: users). */
  subgraphs?: string[];
}

/** Listens on free ports: the service, and its metrics listener as runService does. */
export async function serve(service: Runnable): Promise<{ url: string; metricsUrl: string }> {
  const port = await listen(service.http.server, 0, '127.0.0.1');
  const metricsPort = await listen(service.http.metricsServer, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

/**
 * Reads until `ok` holds or the time is up, and returns the last value read:
 * the caller asserts on it, so a timeout fails with what was actually seen.
 */
export async function pollUntil<T>(read: () => Promise<T>, ok: (value: T) => boolean, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

export async function postGraphQL<T>(url: string, query: string, variables?: Record<string, unknown>, options: RequestOptions = {}): Promise<GqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text };
  }
  return { status: response.status, data: body?.data, errors: body?.errors, body, headers: response.headers };
}

/**
 * A port of ours where a subgraph that is not started would be: every
 * connection is dropped at once. Without it the router and the services
 * would fall back to the development ports, and reach whatever `npm start`
 * runs there.
 */
async function absentSubgraph(): Promise<{ url: string; server: Server }> {
  const server = createServer();
  server.on('connection', (socket) => socket.destroy());
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}/graphql`, server };
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const keys = generateKeys();
  const names = options.subgraphs ?? ['users'];
  const namespace = { label: 'test', id: randomBytes(4).toString('hex') };
  const subgraphUrls: Record<string, string> = {};
  const absent = await Promise.all(Object.keys(SUBGRAPH_MODULES).filter((name) => !names.includes(name)).map(async (name) => ({ name, ...(await absentSubgraph()) })));
  const absentUrls = Object.fromEntries(absent.map(({ name, url }) => [name, url]));
  // The same environment the services get as processes; each subgraph knows those started before it.
  const envNow = () =>
    stackEnv({
      keys,
      mongoUrl: options.mongoUrl,
      redisUrl: options.redisUrl,
      subgraphUrls: { ...absentUrls, ...subgraphUrls },
      namespace,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        // Cheaper hashing keeps the suite fast; production uses 2^15 or more.
        PASSWORD_HASH_COST: '12',
        ...options.env,
      },
    });
  const services: Record<string, Runnable> = {};
  const metricsUrls: Record<string, string> = {};
  for (const name of Object.keys(SUBGRAPH_MODULES).filter((n) => names.includes(n))) {
    const service = await SUBGRAPH_MODULES[name]!.create(envNow().of(name));
    services[name] = service;
    const served = await serve(service);
    subgraphUrls[name] = `${served.url}/graphql`;
    metricsUrls[name] = served.metricsUrl;
  }
  const env = envNow().of('router');
  const routerEnv: Record<string, string | undefined> = { ...env };
  if (options.useJwks) {
    routerEnv.ACCESS_TOKEN_PUBLIC_KEY = undefined;
    routerEnv.USERS_JWKS_URL = new URL('/.well-known/jwks.json', subgraphUrls.users).toString();
  }
  const router = await createRouter(loadRouterEnv(routerEnv));
  const servedRouter = await serve(router);
  const routerUrl = `${servedRouter.url}/graphql`;
  metricsUrls.router = servedRouter.metricsUrl;
  return {
    routerUrl,
    subgraphUrls,
    metricsUrls,
    keys,
    users: services.users as UsersService,
    services,
    env,
    gql: (query, variables, requestOptions = {}) => postGraphQL(requestOptions.url ?? routerUrl, query, variables, requestOptions),
    async stop() {
      for (const service of [router, ...Object.values(services).reverse()]) {
        await service.http.shutdown(1_000);
        await service.close();
      }
      await Promise.all(absent.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
