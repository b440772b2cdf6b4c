import { rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import { generateKeys, serviceKeyEnv } from './keys.js';
import { spawnService, stopService, waitReady, type ServiceProcess } from './processes.js';
import { seedCatalog } from './seed.js';
import { freePort, runDir, startMongo, startRedis } from './stack.js';

/**
 * Search-with-facets latency at catalog scale, one command:
 *   npm run bench:search -- --size 100000 --requests 300
 * Starts its own stores and services (separate processes) on free ports,
 * seeds the catalog, then sends the same distinct searches one at a time
 * straight to the products subgraph and through the router, in alternating
 * rounds, and prints median and p95 for each and their ratio.
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '3' },
  },
});
const size = Number(values.size);
const requests = Number(values.requests);
const rounds = Number(values.rounds);

const SEARCH = `query Search($query: String, $filter: ProductFilter, $sort: ProductSort, $first: Int) {
  products(query: $query, filter: $filter, sort: $sort, first: $first) {
    totalCount
    facets { name values { value count } }
    pageInfo { hasNextPage endCursor }
    nodes { id title brand priceRange { min { amount currencyCode } } }
  }
}`;

const TERMS = ['headphones', 'wireless', 'sneaker', 'cotton', 'yoga mat', 'lamp', 'laptop', 'tent', 'serum', 'board game', 'steel', 'jacket', 'helmet', 'perfume', 'chair', 'hedphones', 'speakr', 'blu', 'gran', 'ergonomic'];
const CATEGORIES = [undefined, 'electronics', 'fashion', 'home-and-kitchen', 'sports-and-outdoors'];
const SORTS = ['RELEVANCE', 'PRICE_ASC', 'NEWEST', 'PRICE_DESC'];

/** Distinct arguments per request: a term, a category, a price band and a sort. */
function variablesFor(i: number): Record<string, unknown> {
  const filter: Record<string, unknown> = { minPrice: String(5 + (i % 40)) + '.00' };
  const category = CATEGORIES[i % CATEGORIES.length];
  if (category) filter.categorySlug = category;
  if (i % 3 === 0) filter.inStock = true;
  return { query: TERMS[i % TERMS.length], filter, sort: SORTS[i % SORTS.length], first: 20 };
}

async function timeRequests(url: string, headers: Record<string, string>, offset: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: SEARCH, variables: variablesFor(offset + i) }) });
    const body = (await response.json()) as { errors?: unknown[]; data?: unknown };
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (!response.ok || body.errors || !body.data) throw new Error(`request failed: ${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  }
  return times;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function main(): Promise<void> {
  const dir = runDir('shopcart-bench-');
  const [redis, mongo] = await Promise.all([startRedis({ dir: join(dir, 'redis'), appendonly: false }), startMongo({ dir: join(dir, 'mongo') })]);
  const services: ServiceProcess[] = [];
  try {
    const seeded = await seedCatalog({ mongoUrl: mongo.url, size });
    process.stdout.write(`seeded ${seeded.products} products (${seeded.variants} variants) in ${(seeded.ms / 1000).toFixed(1)}s\n`);

    const keys = generateKeys();
    const ports = { users: await freePort(), inventory: await freePort(), products: await freePort(), router: await freePort() };
    const common: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      APOLLO_TELEMETRY_DISABLED: 'true',
      MONGODB_URL: mongo.url,
      REDIS_URL: redis.url,
      ADMIN_EMAIL: 'bench@shopcart.dev',
      ADMIN_PASSWORD: 'a benchmark-only admin password',
      ...Object.fromEntries(Object.entries(ports).filter(([n]) => n !== 'router').map(([n, p]) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${p}/graphql`])),
    };
    const startedAt = Date.now();
    for (const name of ['users', 'inventory', 'products'] as const) {
      const service = spawnService(name, ports[name], { ...common, ...serviceKeyEnv(name, keys) }, (line) => process.stderr.write(`${line}\n`));
      services.push(service);
      await waitReady(service, 600_000);
    }
    process.stdout.write(`services ready (search index loaded) in ${((Date.now() - startedAt) / 1000).toFixed(1)}s\n`);
    const router = spawnService('router', ports.router, { ...common, APQ_REDIS_URL: `${redis.url}/1`, ROUTER_PRIVATE_KEY: keys.routerPrivate, ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic }, (line) => process.stderr.write(`${line}\n`));
    services.push(router);
    await waitReady(router);

    const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(keys.routerPrivate));
    const direct = { url: `http://127.0.0.1:${ports.products}/graphql`, headers: { authorization: `Bearer ${await signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null })}` } };
    const viaRouter = { url: `http://127.0.0.1:${ports.router}/graphql`, headers: {} };

    await timeRequests(direct.url, direct.headers, 10_000, 50);
    await timeRequests(viaRouter.url, viaRouter.headers, 20_000, 50);
    const results = { direct: [] as number[], router: [] as number[] };
    for (let round = 0; round < rounds; round += 1) {
      // The identity token lives 60 s; sign afresh each round.
      direct.headers.authorization = `Bearer ${await signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null })}`;
      results.direct.push(...(await timeRequests(direct.url, direct.headers, round * requests, requests)));
      results.router.push(...(await timeRequests(viaRouter.url, viaRouter.headers, round * requests, requests)));
    }
    const row = (name: string, xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `| ${name} | ${xs.length} | ${median(xs).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} |`;
    };
    process.stdout.write(
      [
        '',
        `Search with facets, ${size} products, first: 20, one request at a time (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version})`,
        '',
        '| target | requests | median ms | p95 ms |',
        '|---|---|---|---|',
        row('products subgraph', results.direct),
        row('through the router', results.router),
        '',
        `router / direct median: ${(median(results.router) / median(results.direct)).toFixed(2)}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const service of services.reverse()) await stopService(service);
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
