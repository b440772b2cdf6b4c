import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startProcessStack } from '../../../scripts/process-stack.js';
import { runDir, startMongo, startRedis, type StoreProcess } from '../../../scripts/stack.js';

/*
 * Checkouts per second through the router, with every service in its own
 * process as `npm start` runs them: one hot SKU that every checkout buys
 * (every reservation queues on one stock document) against checkouts spread
 * over many SKUs. Every measurement gets a fresh stack with empty databases:
 * FerretDB scans whole collections, so a run on the leftovers of another
 * would be slower for that reason alone. Scenarios alternate run by run; the
 * median of the runs is reported.
 *
 *   npm run bench -w @shopcart/orders -- --runs 5 --checkouts 200 --concurrency 16
 *
 * MONGODB_URL / REDIS_URL point it at stores you run; otherwise it starts
 * its own (FerretDB or mongod, and Redis) in a temporary folder.
 */

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    checkouts: { type: 'string', default: '150' },
    concurrency: { type: 'string', default: '16' },
    skus: { type: 'string', default: '200' },
  },
});
const RUNS = Number(args.runs);
const CHECKOUTS = Number(args.checkouts);
const CONCURRENCY = Number(args.concurrency);
const SPREAD_SKUS = Number(args.skus);
const ADDRESS = { fullName: 'Bench Buyer', line1: '1 Load St', city: 'Berlin', postalCode: '10115', countryCode: 'DE' };

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function inParallel<T>(count: number, limit: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await run(i);
      }
    }),
  );
  return out;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

type Scenario = 'hot' | 'spread';
interface Figures {
  perSecond: number;
  p50: number;
  p95: number;
}

/** One measurement on a fresh stack (fresh databases), so no run inherits another's collections. */
async function measure(stores: { mongoUrl: string; redisUrl: string }, scenario: Scenario): Promise<Figures> {
  const stack = await startProcessStack({
    ...stores,
    env: { LOG_LEVEL: 'warn' },
    routerEnv: { SUBGRAPH_TIMEOUT_MS: '60000', ROUTER_REQUEST_TIMEOUT_MS: '60000', SUBGRAPH_BREAKER_MIN_REQUESTS: '100000' },
  });
  const url = stack.routerUrl;
  try {
    const admin = (await gql(url, 'mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }')).login.accessToken as string;
    const createVariant = async (sku: string) => {
      const data = await gql(
        url,
        'mutation($i: ProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }',
        { i: { title: `Bench ${sku}`, variants: [{ sku, price: '20.00', initialStock: CHECKOUTS + 10 }] } },
        admin,
      );
      return data.createProduct.product.variants[0].id as string;
    };
    // The same catalog for both: FerretDB's cost per query grows with the collection, so only the choice of SKUs may differ.
    // One at a time: setting up is not what is measured.
    const variants = await inParallel(SPREAD_SKUS, 1, (i) => createVariant(`BENCH-${scenario}-${i}`));
    const variantOf = (i: number) => (scenario === 'hot' ? variants[0]! : variants[i % variants.length]!);
    const buyers = await inParallel(CONCURRENCY, 4, async (i) => {
      const data = await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { email: `bench-${i}-${randomUUID()}@example.com`, password: 'correct horse battery', name: `Bench ${i}` },
      });
      return data.register.accessToken as string;
    });
    // Guest carts made ahead, one per checkout: the measured phase is checkout alone.
    const carts = await inParallel(CHECKOUTS, 8, async (i) => {
      const data = await gql(url, 'mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id } } }', { l: [{ variantId: variantOf(i), quantity: 1 }] });
      return data.cartAddLines.cart.id as string;
    });
    const latencies: number[] = [];
    const failures: string[] = [];
    const started = performance.now();
    await inParallel(CHECKOUTS, CONCURRENCY, async (i) => {
      const t = performance.now();
      const data = await gql(
        url,
        'mutation($i: CheckoutInput!) { checkout(input: $i) { order { status } userErrors { code } } }',
        { i: { cartId: carts[i], shippingAddress: ADDRESS, paymentToken: 'tok_visa', idempotencyKey: randomUUID() } },
        buyers[i % buyers.length],
      ).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
      latencies.push(performance.now() - t);
      if (data?.checkout?.order?.status !== 'CONFIRMED') failures.push(JSON.stringify(data).slice(0, 300));
    });
    const seconds = (performance.now() - started) / 1000;
    if (failures.length > 0) throw new Error(`${failures.length} of ${CHECKOUTS} ${scenario} checkouts were not confirmed, e.g. ${failures[0]}`);
    return { perSecond: CHECKOUTS / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const stores: StoreProcess[] = [];
  const dir = runDir('shopcart-bench-checkout-');
  try {
    let mongoUrl = process.env.MONGODB_URL;
    let redisUrl = process.env.REDIS_URL;
    if (!mongoUrl) {
      const mongo = await startMongo({ dir: join(dir, 'mongo') });
      stores.push(mongo);
      mongoUrl = mongo.url;
    }
    if (!redisUrl) {
      const redis = await startRedis({ dir: join(dir, 'redis'), appendonly: true });
      stores.push(redis);
      redisUrl = redis.url;
    }
    const results: Record<Scenario, Figures[]> = { hot: [], spread: [] };
    for (let run = 0; run < RUNS; run += 1) {
      for (const scenario of run % 2 === 0 ? (['hot', 'spread'] as const) : (['spread', 'hot'] as const)) {
        const figures = await measure({ mongoUrl, redisUrl }, scenario);
        results[scenario].push(figures);
        process.stdout.write(`run ${run + 1} ${scenario.padEnd(6)} ${figures.perSecond.toFixed(1)} checkouts/s  p50 ${figures.p50.toFixed(0)} ms  p95 ${figures.p95.toFixed(0)} ms\n`);
      }
    }
    const hotMedian = median(results.hot.map((r) => r.perSecond));
    const spreadMedian = median(results.spread.map((r) => r.perSecond));
    process.stdout.write(
      `\n${CHECKOUTS} checkouts per run, ${CONCURRENCY} at a time, ${RUNS} runs of each; median:\n` +
        `  one hot SKU        ${hotMedian.toFixed(1)} checkouts/s (p95 ${median(results.hot.map((r) => r.p95)).toFixed(0)} ms)\n` +
        `  ${String(SPREAD_SKUS).padEnd(4)} SKUs spread   ${spreadMedian.toFixed(1)} checkouts/s (p95 ${median(results.spread.map((r) => r.p95)).toFixed(0)} ms)\n` +
        `  hot / spread       ${(hotMedian / spreadMedian).toFixed(2)}\n`,
    );
  } finally {
    for (const store of stores) await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
