import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRouterEnv, routerEnvSchema } from '@shopcart/router/env';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ROUTER_PORT, SUBGRAPHS } from '@shopcart/schema/subgraphs.js';
import { generateKeys } from '@shopcart/stack';
import { SUBGRAPH_MODULES } from '../subgraphs.js';
import { composeRules, interpolate, type ComposeCheck, type ComposeService, type EnvSchema, type ServiceSpec } from '../compose-check.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');

const defaultPort = (schema: EnvSchema) => Number(schema.shape.PORT?.safeParse(undefined).data);
const urlVariable = (name: string) => `${name.toUpperCase()}_URL`;

const specs: ServiceSpec[] = [
  ...SUBGRAPHS.filter(({ name }) => SUBGRAPH_MODULES[name]).map(({ name }) => {
    const config = SUBGRAPH_MODULES[name]!;
    return { name, port: defaultPort(config.schema), ...config };
  }),
  {
    name: 'router',
    port: defaultPort(routerEnvSchema),
    schema: routerEnvSchema,
    load: loadRouterEnv,
    extraVariables: SUBGRAPHS.map(({ name }) => urlVariable(name)),
    expectedValues: Object.fromEntries(SUBGRAPHS.map(({ name, port }) => [urlVariable(name), `http://${name}:${port}/graphql`])),
  },
];

/** What an operator provides, as fresh sample values. */
const keys = generateKeys();
const variables = {
  ACCESS_TOKEN_PRIVATE_KEY: keys.accessPrivate,
  ROUTER_PRIVATE_KEY: keys.routerPrivate,
  ROUTER_PUBLIC_KEY: keys.routerPublic,
  ADMIN_EMAIL: 'ops@example.com',
  ADMIN_PASSWORD: 'a long operator passphrase 42',
  PRODUCTS_SERVICE_PRIVATE_KEY: keys.services.products!.privateKey,
  INVENTORY_TRUSTED_SERVICE_KEYS: JSON.stringify({ products: keys.services.products!.publicKey, cart: keys.services.cart!.publicKey, orders: keys.services.orders!.publicKey }),
  PRODUCTS_TRUSTED_SERVICE_KEYS: JSON.stringify({ cart: keys.services.cart!.publicKey }),
  CART_SERVICE_PRIVATE_KEY: keys.services.cart!.privateKey,
  CART_TRUSTED_SERVICE_KEYS: JSON.stringify({ users: keys.services.users!.publicKey, orders: keys.services.orders!.publicKey }),
  USERS_SERVICE_PRIVATE_KEY: keys.services.users!.privateKey,
  USERS_TRUSTED_SERVICE_KEYS: JSON.stringify({ orders: keys.services.orders!.publicKey }),
  ORDERS_SERVICE_PRIVATE_KEY: keys.services.orders!.privateKey,
  PAYMENTS_TRUSTED_SERVICE_KEYS: JSON.stringify({ orders: keys.services.orders!.publicKey }),
  PAYMENT_PROVIDER: 'test',
  PAYMENT_ALLOW_TEST_PROVIDER: 'true',
};

function checkOf(compose: ComposeCheck['compose'], source = stringify(compose)): ComposeCheck {
  return { text: source, compose, specs, variables, root };
}

const check = checkOf(parse(text), text);

describe('docker-compose.yml', () => {
  it('has a configuration for every subgraph, with the port schema/subgraphs.ts reserves', () => {
    expect(SUBGRAPHS.filter(({ name }) => !SUBGRAPH_MODULES[name]).map(({ name }) => name)).toEqual([]);
    expect(specs.map(({ name, port }) => [name, port])).toEqual([...SUBGRAPHS.map(({ name, port }) => [name, port]), ['router', ROUTER_PORT]]);
  });

  for (const [rule, run] of Object.entries(composeRules)) {
    it(`passes ${rule}`, () => {
      expect(run(check)).toEqual([]);
    });
  }
});

type Mutation = [rule: keyof typeof composeRules, change: string, mutate: (services: Record<string, ComposeService>) => void];

const envOf = (service: ComposeService | undefined) => service!.environment as Record<string, string>;

/** One or more ways to break each rule: each must be reported, or the rule proves nothing. */
const mutations: Mutation[] = [
  ['servicesMatchTheCode', 'a subgraph without a service', (s) => delete s.users],
  ['servicesMatchTheCode', 'a service for code that does not exist', (s) => (s.products = { ...s.users, build: { context: '.', args: { WORKSPACE: 'subgraphs/products', PORT: 4002 } } })],
  ['servicesMatchTheCode', 'a WORKSPACE that is no workspace', (s) => (s.users!.build!.args!.WORKSPACE = 'subgraphs/user')],
  ['portsMatchDefaults', 'a router port other than the default', (s) => (s.router!.ports = ['4010:4000'])],
  ['portsMatchDefaults', 'a subgraph published on the host', (s) => (s.users!.ports = ['4001:4001'])],
  ['portsMatchDefaults', 'a subgraph exposing another port', (s) => (s.users!.expose = ['4011'])],
  ['replicatedSubgraphs', 'a subgraph with one replica', (s) => delete s.cart!.deploy],
  ['portsMatchDefaults', 'an image PORT other than the default', (s) => (s.router!.build!.args!.PORT = 4040)],
  ['portsMatchDefaults', 'a healthcheck on another port', (s) => (s.users!.healthcheck = { test: ['CMD', 'curl', 'http://127.0.0.1:4000/health'] })],
  ['onlyKnownVariables', 'a misspelt variable', (s) => (envOf(s.users).MONGO_URL = 'mongodb://mongo:27017')],
  ['requiredVariablesSet', 'a required key left out', (s) => delete envOf(s.users).ROUTER_PUBLIC_KEY],
  ['serviceAcceptsConfiguration', 'a router with no way to verify tokens', (s) => delete envOf(s.router).USERS_JWKS_URL],
  ['serviceAcceptsConfiguration', 'a subgraph URL pointing elsewhere', (s) => (envOf(s.router).USERS_URL = 'http://localhost:4001/graphql')],
  ['serviceAcceptsConfiguration', 'development mode', (s) => (envOf(s.users).NODE_ENV = 'development')],
  ['serviceAcceptsConfiguration', 'an operator variable nobody provides', (s) => (envOf(s.users).ADMIN_EMAIL = '${SOMEONE_ELSES_EMAIL:?set it}')],
  ['redisIsDurable', 'redis without the append-only file', (s) => (s.redis!.command = ['redis-server', '--appendfsync', 'everysec'])],
  ['redisIsDurable', 'redis fsyncing only when the OS decides', (s) => (s.redis!.command = 'redis-server --appendonly yes --appendfsync no')],
  ['everyServiceHealthchecked', 'mongo without a healthcheck', (s) => delete s.mongo!.healthcheck],
  ['everyServiceHealthchecked', 'a disabled healthcheck', (s) => (s.router!.healthcheck = { disable: true })],
  ['startsAfterHealthyDependencies', 'depends_on that only waits for a start', (s) => (s.users!.depends_on = ['mongo', 'redis'])],
  ['startsAfterHealthyDependencies', 'a router that does not wait for users', (s) => delete s.router!.depends_on],
  ['everyServiceRestarts', 'a service that stays down', (s) => delete s.redis!.restart],
  ['noLiteralSecrets', 'a literal password', (s) => (envOf(s.users).ADMIN_PASSWORD = 'a long literal passphrase 42')],
  ['noLiteralSecrets', 'a literal PEM key', (s) => (envOf(s.router).ROUTER_PRIVATE_KEY = keys.routerPrivate)],
  ['noLiteralSecrets', 'a key with a fallback value', (s) => (envOf(s.router).ROUTER_PRIVATE_KEY = '${ROUTER_PRIVATE_KEY:-changeme}')],
  ['noLiteralSecrets', 'credentials in a URL', (s) => (envOf(s.users).MONGODB_URL = 'mongodb://shopcart:s3cret@mongo:27017')],
];

describe('the compose checks catch', () => {
  it('at least one breakage for every rule', () => {
    expect(Object.keys(composeRules).filter((rule) => !mutations.some(([r]) => r === rule))).toEqual([]);
  });

  it.each(mutations)('%s: %s', (rule, _change, mutate) => {
    const compose = structuredClone(check.compose);
    mutate(compose.services!);
    expect(composeRules[rule](checkOf(compose))).not.toEqual([]);
  });
});

describe('interpolate', () => {
  it('follows compose: required, defaults, and $$', () => {
    expect(interpolate('${A:?set A}/${B:-b}/${C-c}/$$D', { A: 'a', C: '' })).toBe('a/b//$D');
    expect(() => interpolate('${MISSING:?set it}', {})).toThrow(/MISSING/);
    expect(() => interpolate('${EMPTY:?set it}', { EMPTY: '' })).toThrow(/EMPTY/);
  });
});
