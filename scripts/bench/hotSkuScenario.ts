import { randomUUID } from 'node:crypto';
import { DISPOSABLE_STACK_ENV, startStack, startStores, type StoreUrls } from '@shopcart/stack';
import type { ScenarioResult } from './benchContext.js';
import { median } from './measure.js';

/**
 * 12: checkouts per second through the router, with every service in its
 * own process as `npm start` runs them: one hot SKU that every checkout buys
 * (every reservation queues on one stock document) against checkouts spread
 * over many SKUs. Every measurement gets a fresh stack with empty databases:
 * FerretDB's cost per query grows with the collection, so a run on the
 * leftovers of another would be slower for that reason alone. Hot and
 * spread alternate run by run; the median of the runs is reported.
 * MONGODB_URL / REDIS_URL point it at stores you run; otherwise it starts
 * its own.
 */

export interface HotSkuOptions {
  runs: number;
  /** Checkouts per measurement. */
  checkouts: number;
  concurrency: number;
  /** SKUs the spread checkouts buy from (and that both catalogs hold). */
  skus: number;
  log: (line: string) => void;
}

type Kind = 'hot' | 'spread';
interface Figures {
  perSecond: number;
  p50: number;
  p95: number;
}

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

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/** One measurement on a fresh stack (fresh databases), so no run inherits another's collections. */
async function measure(stores: StoreUrls, kind: Kind, options: HotSkuOptions): Promise<Figures> {
  const { checkouts, concurrency, skus } = options;
  const stack = await startStack({
    stores,
    namespace: 'stack',
    env: { ...DISPOSABLE_STACK_ENV, LOG_LEVEL: 'warn' },
    routerEnv: { SUBGRAPH_TIMEOUT_MS: '60000', ROUTER_REQUEST_TIMEOUT_MS: '60000', SUBGRAPH_BREAKER_MIN_REQUESTS: '100000' },
    stopGraceMs: 5_000,
  });
  const url = stack.routerUrl;
  try {
    const admin = (await gql(url, 'mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken } }')).login.accessToken as string;
    const createVariant = async (sku: string) => {
      const data = await gql(
        url,
        'mutation($i: ProductInput!) { createProduct(input: $i) { product { variants { id } } userErrors { code } } }',
        { i: { title: `Bench ${sku}`, variants: [{ sku, price: '20.00', initialStock: checkouts + 10 }] } },
        admin,
      );
      return data.createProduct.product.variants[0].id as string;
    };
    // The same catalog for both: FerretDB's cost per query grows with the collection, so only the choice of SKUs may differ.
    // One at a time: setting up is not what is measured.
    const variants = await inParallel(skus, 1, (i) => createVariant(`BENCH-${kind}-${i}`));
    const variantOf = (i: number) => (kind === 'hot' ? variants[0]! : variants[i % variants.length]!);
    const buyers = await inParallel(concurrency, 4, async (i) => {
      const data = await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { email: `bench-${i}-${randomUUID()}@example.com`, password: 'correct horse battery', name: `Bench ${i}` },
      });
      return data.register.accessToken as string;
    });
    // Guest carts made ahead, one per checkout: the measured phase is checkout alone.
    const carts = await inParallel(checkouts, 8, async (i) => {
      const data = await gql(url, 'mutation($l: [CartLineInput!]!) { cartAddLines(lines: $l) { cart { id } } }', { l: [{ variantId: variantOf(i), quantity: 1 }] });
      return data.cartAddLines.cart.id as string;
    });
    const latencies: number[] = [];
    const failures: string[] = [];
    const started = performance.now();
    await inParallel(checkouts, concurrency, async (i) => {
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
    if (failures.length > 0) throw new Error(`${failures.length} of ${checkouts} ${kind} checkouts were not confirmed, e.g. ${failures[0]}`);
    return { perSecond: checkouts / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  } finally {
    await stack.close();
  }
}

export async function hotSkuCheckouts(options: HotSkuOptions): Promise<ScenarioResult> {
  const { runs, checkouts, concurrency, skus, log } = options;
  // Shared by every measurement's stack; each keeps to databases of its own.
  const stores = await startStores({ mongoUrl: process.env.MONGODB_URL, redisUrl: process.env.REDIS_URL, appendonly: true });
  try {
    const results: Record<Kind, Figures[]> = { hot: [], spread: [] };
    for (let run = 0; run < runs; run += 1) {
      for (const kind of run % 2 === 0 ? (['hot', 'spread'] as const) : (['spread', 'hot'] as const)) {
        const figures = await measure({ mongoUrl: stores.mongoUrl, redisUrl: stores.redisUrl }, kind, options);
        results[kind].push(figures);
        log(`  run ${run + 1} ${kind.padEnd(6)} ${figures.perSecond.toFixed(1)} checkouts/s  p50 ${figures.p50.toFixed(0)} ms  p95 ${figures.p95.toFixed(0)} ms`);
      }
    }
    const hot = median(results.hot.map((r) => r.perSecond));
    const spread = median(results.spread.map((r) => r.perSecond));
    return {
      title: `12. Checkouts per second on a fresh stack per run: one hot SKU against ${skus} SKUs spread`,
      available: true,
      note: `Every service as its own process, as \`npm start\` runs them, a fresh stack (empty databases) per measurement; ${checkouts} checkouts per run, ${concurrency} at a time, from guest carts made ahead; ${runs} runs of each, alternating; medians.`,
      figures: {
        'one hot SKU: checkouts/s': hot,
        'one hot SKU: p95 ms': median(results.hot.map((r) => r.p95)),
        [`${skus} SKUs spread: checkouts/s`]: spread,
        [`${skus} SKUs spread: p95 ms`]: median(results.spread.map((r) => r.p95)),
        'hot / spread': hot / spread,
      },
      checks: [],
      failed: false,
    };
  } finally {
    await stores.stop();
  }
}
