import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import { generateKeys, serviceKeyEnv } from './keys.js';
import { spawnService, stopService, waitReady, type ServiceProcess } from './processes.js';
import { seedCatalog } from './seed.js';
import { freePort, runDir, startMongo, startRedis } from './stack.js';

/**
 * Catalog page throughput and latency under concurrent clients, one command:
 *   npx tsx scripts/bench-catalog-page.ts --size 2000 --label after
 * Starts its own stores and services (separate processes) on free ports,
 * seeds the catalog, then keeps `--concurrency` clients busy for
 * `--seconds` with a catalog page through the router (products, categories
 * and inventory) and straight against the products subgraph. Results are
 * appended to `--out` and every run in that file is printed side by side,
 * so a run on older code and one on newer code compare in one table.
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '15' },
    label: { type: 'string', default: 'run' },
    out: { type: 'string', default: 'bench-catalog-page.json' },
  },
});
const size = Number(values.size);
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);

const SORTS = ['NEWEST', 'PRICE_ASC', 'TITLE_ASC', 'PRICE_DESC'];
const ROUTER_PAGE = `query CatalogPage($sort: ProductSort, $filter: ProductFilter) {
  products(first: 20, sort: $sort, filter: $filter) { nodes { title category { name } variants { price { amount } inventory { available } } } }
}`;
// The subgraph alone cannot answer inventory: the same page without it.
const DIRECT_PAGE = `query CatalogPage($sort: ProductSort, $filter: ProductFilter) {
  products(first: 20, sort: $sort, filter: $filter) { nodes { title category { name } variants { price { amount } } } }
}`;

/** Distinct pages (sort x price floor), so no layer can answer from one remembered response. */
const variablesFor = (i: number) => ({ sort: SORTS[i % SORTS.length], filter: { minPrice: `${1 + (i % 50)}.00` } });

interface Result {
  label: string;
  size: number;
  target: string;
  concurrency: number;
  requests: number;
  failed: number;
  medianMs: number;
  p95Ms: number;
  rps: number;
  productsRssMiB: number;
  at: string;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Failed requests (the router's subgraph timeout, errors) are counted, not timed: a slow store must not end the run. */
async function load(url: string, query: string, headers: () => Record<string, string>, durationMs: number): Promise<{ times: number[]; failed: number; elapsedMs: number }> {
  const times: number[] = [];
  let failed = 0;
  let next = 0;
  const started = Date.now();
  const deadline = started + durationMs;
  const client = async () => {
    while (Date.now() < deadline) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers() }, body: JSON.stringify({ query, variables: variablesFor(i) }) });
      const body = (await response.json()) as { errors?: unknown[]; data?: unknown };
      if (!response.ok || body.errors || !body.data) {
        if (failed++ === 0) process.stderr.write(`first failure: ${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}\n`);
      }
      else times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { times, failed, elapsedMs: Date.now() - started };
}

function rssMiB(service: ServiceProcess): number {
  const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

// No successful request has no latency (JSON stores NaN as null).
const ms = (value: number | null) => (value == null || Number.isNaN(value) ? '-' : value.toFixed(1));

function table(results: Result[]): string {
  const rows = [...results].sort((a, b) => a.size - b.size || a.target.localeCompare(b.target) || a.at.localeCompare(b.at));
  return [
    '| products | target | run | clients | ok | failed | median ms | p95 ms | req/s | products RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.size} | ${r.target} | ${r.label} | ${r.concurrency} | ${r.requests} | ${r.failed ?? 0} | ${ms(r.medianMs)} | ${ms(r.p95Ms)} | ${r.rps.toFixed(1)} | ${r.productsRssMiB} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const dir = runDir('shopcart-bench-page-');
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
    for (const name of ['users', 'inventory', 'products'] as const) {
      const service = spawnService(name, ports[name], { ...common, ...serviceKeyEnv(name, keys) }, (line) => process.stderr.write(`${line}\n`));
      services.push(service);
      await waitReady(service, 900_000);
    }
    const products = services.find((s) => s.name === 'products')!;
    const router = spawnService('router', ports.router, { ...common, APQ_REDIS_URL: `${redis.url}/1`, ROUTER_PRIVATE_KEY: keys.routerPrivate, ACCESS_TOKEN_PUBLIC_KEY: keys.accessPublic }, (line) => process.stderr.write(`${line}\n`));
    services.push(router);
    await waitReady(router);

    const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(keys.routerPrivate));
    let token = await signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null });
    // Identity tokens live 60 s: re-sign well before that while clients run.
    const refresh = setInterval(async () => (token = await signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null })), 20_000);
    const targets = [
      { target: 'products direct', url: `http://127.0.0.1:${ports.products}/graphql`, query: DIRECT_PAGE, headers: () => ({ authorization: `Bearer ${token}` }) },
      { target: 'router', url: `http://127.0.0.1:${ports.router}/graphql`, query: ROUTER_PAGE, headers: () => ({}) },
    ];
    // Requests the router gave up on keep the stores busy: wait until a lone page is answered before timing the next phase.
    const drain = async () => {
      const direct = targets[0]!;
      await fetch(direct.url, { method: 'POST', headers: { 'content-type': 'application/json', ...direct.headers() }, body: JSON.stringify({ query: direct.query, variables: variablesFor(0) }) });
    };
    const results: Result[] = [];
    try {
      for (const t of targets) {
        await load(t.url, t.query, t.headers, Math.min(5_000, seconds * 1_000)); // warm-up
        await drain();
        const { times, failed, elapsedMs } = await load(t.url, t.query, t.headers, seconds * 1_000);
        await drain();
        const sorted = [...times].sort((a, b) => a - b);
        results.push({
          label: values.label!,
          size,
          target: t.target,
          concurrency,
          requests: times.length,
          failed,
          medianMs: percentile(sorted, 50),
          p95Ms: percentile(sorted, 95),
          rps: (times.length * 1000) / elapsedMs /* successful requests only */,
          productsRssMiB: rssMiB(products),
          at: new Date().toISOString(),
        });
      }
    } finally {
      clearInterval(refresh);
    }
    const previous: Result[] = existsSync(values.out!) ? JSON.parse(readFileSync(values.out!, 'utf8')) : [];
    const all = [...previous, ...results];
    writeFileSync(values.out!, `${JSON.stringify(all, null, 2)}\n`);
    process.stdout.write(`\nCatalog page (first: 20, ${concurrency} clients, ${seconds}s per target; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version})\n\n${table(all)}\n`);
  } finally {
    for (const service of services.reverse()) await stopService(service);
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
