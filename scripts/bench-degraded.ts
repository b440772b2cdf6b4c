import { rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startProcessStack, type ProcessStack } from './process-stack.js';
import { runDir, startMongo, startRedis } from './stack.js';

/**
 * How fast a catalog page answers while inventory is away, one command:
 *   npx tsx scripts/bench-degraded.ts --size 200 --requests 100
 * Starts its own stores and every service as its own process on free ports,
 * seeds the catalog, then times the same catalog page (20 products, their
 * variants' prices and stock) one request at a time: healthy; inventory
 * killed (SIGKILL) with its circuit breaker open; inventory hung (SIGSTOP:
 * connections accepted, nothing answered) before and after the breaker
 * opens; and healthy again after the half-open probe.
 */
const { values } = parseArgs({
  options: {
    // FerretDB reads whole collections, so larger catalogs mostly measure the store.
    size: { type: 'string', default: '200' },
    requests: { type: 'string', default: '100' },
    'timeout-ms': { type: 'string', default: '5000' },
  },
});
const size = Number(values.size);
const requests = Number(values.requests);
const timeoutMs = Number(values['timeout-ms']);

const CATALOG_PAGE = 'query CatalogPage { products(first: 20) { nodes { title variants { price { amount } inventory { available } } } } }';

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

async function breakerState(stack: ProcessStack): Promise<number | null> {
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

async function main(): Promise<void> {
  const dir = runDir('shopcart-bench-');
  const [redis, mongo] = await Promise.all([startRedis({ dir: join(dir, 'redis'), appendonly: false }), startMongo({ dir: join(dir, 'mongo') })]);
  let stack: ProcessStack | undefined;
  const rows: Array<[string, Sample[]]> = [];
  try {
    stack = await startProcessStack({
      mongoUrl: mongo.url,
      redisUrl: redis.url,
      seedProducts: size,
      env: { LOG_LEVEL: 'warn' },
      // The limits are not what is measured here.
      routerEnv: { SUBGRAPH_TIMEOUT_MS: String(timeoutMs), RATE_LIMIT_PER_IP: '1000000' },
    });
    const url = stack.routerUrl;
    await series(url, 20);
    rows.push(['healthy', await series(url, requests)]);

    await stack.kill('inventory', 'SIGKILL');
    await until('the breaker to open on a dead inventory', async () => (await catalogPage(url), (await breakerState(stack!)) === 2));
    rows.push(['inventory killed, breaker open', await series(url, requests)]);

    await stack.start('inventory');
    await until('recovery after the half-open probe', async () => (await catalogPage(url)).stockMissing === 0);
    await series(url, 20);

    stack.process('inventory').child.kill('SIGSTOP');
    // Concurrent traffic, as a live storefront has: enough timed-out calls within the window to open the breaker.
    // Successes earlier in the breaker's window count until they roll out of it.
    const hung: Sample[] = [];
    await until(
      'the breaker to open on a hung inventory',
      async () => {
        hung.push(...(await Promise.all(Array.from({ length: 8 }, () => catalogPage(url)))));
        return (await breakerState(stack!)) === 2;
      },
      timeoutMs * 6,
    );
    rows.push(['inventory hung, breaker still closed (8 concurrent; each waits for the timeout)', hung]);
    rows.push(['inventory hung, breaker open', await series(url, requests)]);

    stack.process('inventory').child.kill('SIGCONT');
    await until('recovery after the half-open probe', async () => (await catalogPage(url)).stockMissing === 0);
    rows.push(['healthy again', await series(url, requests)]);

    const line = ([name, samples]: [string, Sample[]]) => {
      const ms = samples.map((s) => s.ms);
      const missing = samples.reduce((n, s) => n + s.stockMissing, 0) / samples.length;
      return `| ${name} | ${samples.length} | ${percentile(ms, 50).toFixed(1)} | ${percentile(ms, 95).toFixed(1)} | ${missing.toFixed(0)} |`;
    };
    process.stdout.write(
      [
        '',
        `Catalog page (20 products, variants with price and stock) through the router, ${size} products, SUBGRAPH_TIMEOUT_MS ${timeoutMs}, one request at a time unless noted (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version})`,
        '',
        '| inventory | requests | median ms | p95 ms | variants without stock per page |',
        '|---|---|---|---|---|',
        ...rows.map(line),
        '',
      ].join('\n'),
    );
  } catch (err) {
    for (const [name, lines] of Object.entries(stack?.logs ?? {})) for (const l of lines.slice(-5)) process.stderr.write(`${name}: ${l}\n`);
    throw err;
  } finally {
    await stack?.close();
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
