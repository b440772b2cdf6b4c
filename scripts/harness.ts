import { randomBytes } from 'node:crypto';
import { listen, type Runnable } from '@shopcart/kit';
import { createRouter } from '@shopcart/router';
import { loadRouterEnv } from '@shopcart/router/env';
import { createUsersService, type UsersService } from '@shopcart/users';
import { loadUsersEnv } from '@shopcart/users/env';
import { generateKeys, type PlatformKeys } from './keys.js';
import './vitest-context.js';

/**
 * Starts subgraphs and the router in this process on free ports, against
 * the real stores of the test run, each platform with its own databases and
 * Redis key prefix so test files never see each other's data.
 */
export interface Platform {
  routerUrl: string;
  subgraphUrls: Record<string, string>;
  keys: PlatformKeys;
  users: UsersService;
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
}

async function serve(service: Runnable): Promise<string> {
  const port = await listen(service.http.server, 0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
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

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const keys = generateKeys();
  const suffix = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MONGODB_URL: options.mongoUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: `test-${suffix}:`,
    USERS_DB_NAME: `shopcart_users_${suffix}`,
    ACCESS_TOKEN_PRIVATE_KEY: keys.accessPrivate,
    ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic,
    ROUTER_PRIVATE_KEY: keys.routerPrivate,
    ROUTER_PUBLIC_KEY: keys.routerPublic,
    // Cheaper hashing keeps the suite fast; production uses 2^15 or more.
    PASSWORD_HASH_COST: '12',
    ...options.env,
  };
  const users = await createUsersService(loadUsersEnv(env));
  const subgraphUrls = { users: `${await serve(users)}/graphql` };
  const routerEnv: Record<string, string | undefined> = { ...env, USERS_URL: subgraphUrls.users };
  if (options.useJwks) {
    routerEnv.ACCESS_TOKEN_PUBLIC_KEY = undefined;
    routerEnv.USERS_JWKS_URL = new URL('/.well-known/jwks.json', subgraphUrls.users).toString();
  }
  const router = await createRouter(loadRouterEnv(routerEnv));
  const routerUrl = `${await serve(router)}/graphql`;
  const services: Runnable[] = [router, users];
  return {
    routerUrl,
    subgraphUrls,
    keys,
    users,
    env,
    gql: (query, variables, requestOptions = {}) => postGraphQL(requestOptions.url ?? routerUrl, query, variables, requestOptions),
    async stop() {
      for (const service of services) {
        await service.http.shutdown(1_000);
        await service.close();
      }
    },
  };
}
