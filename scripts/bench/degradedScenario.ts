import { DISPOSABLE_STACK_ENV, startStack, type Stack } from '@shopcart/stack';
import type { ScenarioResult } from './benchContext.js';

/**
 * 11: how fast a catalog page answers while inventory is away. A stack of
 * its own, every service as its own process as `npm start` runs them, on a
 * seeded catalog; the same catalog page (20 products, their variants' prices
 * and stock) one request at a time: healthy; inventory killed (SIGKILL) with
 * its circuit breaker open; inventory hung (SIGSTOP: connections accepted,
 * nothing answered) before and after the breaker opens; and healthy again
 * after the half-open probe.
 */

export interface DegradedOptions {
  size: number;
  /** Requests per phase. */
  requests: number;
  /** The router's SUBGRAPH_TIMEOUT_MS. */
  timeoutMs: number;
  log: (line: string) => void;
}

const CATALOG_PAGE = 'query CatalogPage { products(first: 20) { nodes { title variants { price { amount } inventory { available } } } } }';
const WARM_UP_REQUESTS = 20;

interface Sample {
  ms: number;
  stockMissing: number;
  titles: number;
}

async function catalogPage(url: string): Promise<Sample> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: CATALOG_PAGE }) });
  const body = (await response.json()) as { data?: { products: { nodes: Array<{ title: string; variants: Array<{ inventory: unknown }> }> } } };
  const ms = performance.now() - started;
  const nodes = body.data?.products.nodes ?? [];
  if (!response.ok || nodes.length !== 20) throw new Error(`catalog page failed: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { ms, titles: nodes.length, stockMissing: nodes.flatMap((n) => n.variants).filter((v) => v.inventory === null).length };
}

async function series(url: string, count: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < count; i += 1) samples.push(await catalogPage(url));
  return samples;
}

async function breakerState(stack: Stack): Promise<number | null> {
  const text = await (await fetch(stack.metricsUrls.router!)).text();
  const line = text.split('\n').find((l) => l.startsWith('subgraph_breaker_state{') && l.includes('subgraph="inventory"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
}

async function until(what: string, check: () => Promise<boolean>, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export async function degradedCatalog(options: DegradedOptions): Promise<ScenarioResult> {
  const { size, requests, timeoutMs, log } = options;
  const stack = await startStack({
    stores: { appendonly: false },
    seedProducts: size,
    env: { ...DISPOSABLE_STACK_ENV, LOG_LEVEL: 'warn' },
    // The limits are not what is measured here.
    routerEnv: { SUBGRAPH_TIMEOUT_MS: String(timeoutMs), RATE_LIMIT_PER_IP: '1000000' },
    stopGraceMs: 5_000,
    log,
  });
  const rows: Array<[string, Sample[]]> = [];
  try {
    const url = stack.routerUrl;
    await series(url, WARM_UP_REQUESTS);
    rows.push(['healthy', await series(url, requests)]);

    await stack.kill('inventory', 'SIGKILL');
    await until('the breaker to open on a dead inventory', async () => (await catalogPage(url), (await breakerState(stack)) === 2));
    rows.push(['inventory killed, breaker open', await series(url, requests)]);

    await stack.start('inventory');
    await until('recovery after the half-open probe', async () => (await catalogPage(url)).stockMissing === 0);
    await series(url, WARM_UP_REQUESTS);

    stack.process('inventory').child.kill('SIGSTOP');
    // Concurrent traffic, as a live storefront has: enough timed-out calls within the window to open the breaker.
    // Successes earlier in the breaker's window count until they roll out of it.
    const hung: Sample[] = [];
    await until(
      'the breaker to open on a hung inventory',
      async () => {
        hung.push(...(await Promise.all(Array.from({ length: 8 }, () => catalogPage(url)))));
        return (await breakerState(stack)) === 2;
      },
      timeoutMs * 6,
    );
    rows.push(['inventory hung, breaker still closed (8 concurrent; each waits for the timeout)', hung]);
    rows.push(['inventory hung, breaker open', await series(url, requests)]);

    stack.process('inventory').child.kill('SIGCONT');
    await until('recovery after the half-open probe', async () => (await catalogPage(url)).stockMissing === 0);
    rows.push(['healthy again', await series(url, requests)]);
  } catch (err) {
    for (const [name, lines] of Object.entries(stack.logs)) for (const l of lines.slice(-5)) log(`  ${name}: ${l}`);
    throw err;
  } finally {
    await stack.close();
  }

  const figures: ScenarioResult['figures'] = {};
  log('  | inventory | requests | median ms | p95 ms | variants without stock per page |');
  log('  |---|---|---|---|---|');
  for (const [name, samples] of rows) {
    const ms = samples.map((s) => s.ms);
    const missing = samples.reduce((n, s) => n + s.stockMissing, 0) / samples.length;
    log(`  | ${name} | ${samples.length} | ${percentile(ms, 50).toFixed(1)} | ${percentile(ms, 95).toFixed(1)} | ${missing.toFixed(0)} |`);
    figures[name] = { requests: samples.length, 'median ms': percentile(ms, 50), 'p95 ms': percentile(ms, 95), 'variants without stock per page': missing };
  }
  return {
    title: `11. Catalog page while inventory is away: ${size} products, SUBGRAPH_TIMEOUT_MS ${timeoutMs}, through the router`,
    available: true,
    note: 'A stack of its own, every service as its own process as `npm start` runs them. 20 products with their variants\' price and stock, one request at a time unless noted; inventory killed (SIGKILL), then hung (SIGSTOP), each time until its breaker opens, and healthy again after the half-open probe.',
    figures,
    checks: [],
    failed: false,
  };
}
