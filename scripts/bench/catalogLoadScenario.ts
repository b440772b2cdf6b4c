import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import type { ServiceProcess, Stack } from '@shopcart/stack';
import type { ScenarioResult } from './benchContext.js';
import { startBenchStores, startCatalogStack } from './benchStack.js';

/**
 * 10: catalog page throughput and latency under concurrent clients, for
 * comparing code before and after a change. A stack of its own (users,
 * inventory, products and the router, from the sources) on a seeded catalog;
 * `--vus` clients kept busy for `--duration` seconds with a catalog page
 * through the router (products, categories and inventory) and straight
 * against the products subgraph. Each run is appended to `history` under its
 * `--label`, and every run in that file is logged side by side, so a run on
 * older code and one on newer code compare in one table.
 */

export interface CatalogLoadOptions {
  size: number;
  concurrency: number;
  seconds: number;
  label: string;
  /** A JSON file of earlier runs, appended to. */
  history: string;
  log: (line: string) => void;
  verbose?: boolean;
}

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

interface Run {
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
async function load(url: string, query: string, headers: () => Record<string, string>, concurrency: number, durationMs: number, log: (line: string) => void): Promise<{ times: number[]; failed: number; elapsedMs: number }> {
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
        if (failed++ === 0) log(`  first failure: ${response.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
      } else times.push(Number(process.hrtime.bigint() - t0) / 1e6);
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

function table(runs: Run[]): string[] {
  const rows = [...runs].sort((a, b) => a.size - b.size || a.target.localeCompare(b.target) || a.at.localeCompare(b.at));
  return [
    '| products | target | run | clients | ok | failed | median ms | p95 ms | req/s | products RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.size} | ${r.target} | ${r.label} | ${r.concurrency} | ${r.requests} | ${r.failed ?? 0} | ${ms(r.medianMs)} | ${ms(r.p95Ms)} | ${r.rps.toFixed(1)} | ${r.productsRssMiB} |`),
  ];
}

export async function catalogPageLoad(options: CatalogLoadOptions): Promise<ScenarioResult> {
  const { size, concurrency, seconds, log } = options;
  const stores = await startBenchStores({ appendonly: false });
  let stack: Stack | undefined;
  let refresh: NodeJS.Timeout | undefined;
  try {
    stack = await startCatalogStack(stores, { size, log, verbose: options.verbose });
    const products = stack.process('products');
    const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(stack.keys.routerPrivate));
    const sign = () => signer.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null });
    let token = await sign();
    // Identity tokens live 60 s: re-sign well before that while clients run.
    refresh = setInterval(async () => (token = await sign()), 20_000);
    const targets = [
      { target: 'products direct', url: stack.subgraphUrls.products!, query: DIRECT_PAGE, headers: () => ({ authorization: `Bearer ${token}` }) },
      { target: 'router', url: stack.routerUrl, query: ROUTER_PAGE, headers: () => ({}) },
    ];
    // Requests the router gave up on keep the stores busy: wait until a lone page is answered before timing the next phase.
    const drain = async () => {
      const direct = targets[0]!;
      await fetch(direct.url, { method: 'POST', headers: { 'content-type': 'application/json', ...direct.headers() }, body: JSON.stringify({ query: direct.query, variables: variablesFor(0) }) });
    };
    const runs: Run[] = [];
    for (const t of targets) {
      await load(t.url, t.query, t.headers, concurrency, Math.min(5_000, seconds * 1_000), log); // warm-up
      await drain();
      const { times, failed, elapsedMs } = await load(t.url, t.query, t.headers, concurrency, seconds * 1_000, log);
      await drain();
      const sorted = [...times].sort((a, b) => a - b);
      runs.push({
        label: options.label,
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
    const all: Run[] = [...(existsSync(options.history) ? (JSON.parse(readFileSync(options.history, 'utf8')) as Run[]) : []), ...runs];
    writeFileSync(options.history, `${JSON.stringify(all, null, 2)}\n`);
    log(`  every run in ${options.history}:`);
    for (const line of table(all)) log(`  ${line}`);
    const figures: ScenarioResult['figures'] = {};
    for (const r of runs) {
      figures[`${r.target}: ok / failed`] = `${r.requests} / ${r.failed}`;
      figures[`${r.target}: median ms`] = r.medianMs;
      figures[`${r.target}: p95 ms`] = r.p95Ms;
      figures[`${r.target}: req/s`] = r.rps;
      figures[`${r.target}: products RSS MiB`] = r.productsRssMiB;
    }
    return {
      title: `10. Catalog page under ${concurrency} concurrent clients (${stack.seeded?.products ?? size} products, first: 20), products subgraph against the router, run "${options.label}"`,
      available: true,
      note: `A stack of its own from the sources (users, inventory, products, router); each target warmed up for ${Math.min(5, seconds)} s, then loaded for ${seconds} s. Failed requests are counted, not timed. Every run so far, by label: ${options.history}.`,
      figures,
      checks: [],
      failed: runs.some((r) => r.failed > 0),
    };
  } finally {
    if (refresh) clearInterval(refresh);
    await stack?.close();
    await stores.stop();
  }
}
