import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import type { Stack } from '@shopcart/stack';
import type { ScenarioResult } from './benchContext.js';
import { startBenchStores, startCatalogStack } from './benchStack.js';

/**
 * 9: search with facets at catalog scale. A stack of its own (users,
 * inventory, products and the router, from the sources) on a seeded catalog
 * (`--size`, 100,000 products by default); the same distinct searches, one
 * request at a time, straight to the products subgraph and through the
 * router in alternating rounds: median and p95 of each, and their ratio.
 */

export interface SearchOptions {
  size: number;
  /** Requests per target and round. */
  requests: number;
  rounds: number;
  log: (line: string) => void;
  verbose?: boolean;
}

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
const WARM_UP_REQUESTS = 50;

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
const p95 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 95);

export async function searchWithFacets(options: SearchOptions): Promise<ScenarioResult> {
  const { size, requests, rounds, log } = options;
  const stores = await startBenchStores({ appendonly: false });
  let stack: Stack | undefined;
  try {
    const started = Date.now();
    stack = await startCatalogStack(stores, { size, log, verbose: options.verbose });
    log(`  services ready (search index loaded) in ${((Date.now() - started - (stack.seeded?.ms ?? 0)) / 1000).toFixed(1)}s`);

    const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(stack.keys.routerPrivate));
    const anonymous = async () => `Bearer ${await signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null })}`;
    const direct = { url: stack.subgraphUrls.products!, headers: { authorization: await anonymous() } };
    const viaRouter = { url: stack.routerUrl, headers: {} };

    await timeRequests(direct.url, direct.headers, 10_000, WARM_UP_REQUESTS);
    await timeRequests(viaRouter.url, viaRouter.headers, 20_000, WARM_UP_REQUESTS);
    const results = { direct: [] as number[], router: [] as number[] };
    for (let round = 0; round < rounds; round += 1) {
      // The identity token lives 60 s; sign afresh each round.
      direct.headers.authorization = await anonymous();
      results.direct.push(...(await timeRequests(direct.url, direct.headers, round * requests, requests)));
      results.router.push(...(await timeRequests(viaRouter.url, viaRouter.headers, round * requests, requests)));
    }
    const ratio = median(results.router) / median(results.direct);
    const row = (name: string, xs: number[]) => `| ${name} | ${xs.length} | ${median(xs).toFixed(1)} | ${p95(xs).toFixed(1)} |`;
    for (const line of ['| target | requests | median ms | p95 ms |', '|---|---|---|---|', row('products subgraph', results.direct), row('through the router', results.router), `router / direct median: ${ratio.toFixed(2)}`]) log(`  ${line}`);
    return {
      title: `9. Search with facets: ${stack.seeded?.products ?? size} products, first: 20, one request at a time, products subgraph against the router`,
      available: true,
      note: `A stack of its own from the sources (users, inventory, products, router). ${WARM_UP_REQUESTS} warm-up searches per target, then ${rounds} rounds of ${requests} distinct searches (term, category, price band, sort) per target, alternating.`,
      figures: {
        'products subgraph: median ms': median(results.direct),
        'products subgraph: p95 ms': p95(results.direct),
        'through the router: median ms': median(results.router),
        'through the router: p95 ms': p95(results.router),
        'router / direct median': ratio,
      },
      checks: [],
      failed: false,
    };
  } finally {
    await stack?.close();
    await stores.stop();
  }
}
