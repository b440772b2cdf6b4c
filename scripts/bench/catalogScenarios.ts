import { treeRss } from './gateways.js';
import { compareTargets, medianRatio, type Target } from './measure.js';
import { CATALOG_PAGE, CATALOG_PAGE_PRODUCTS_ONLY, PRODUCT_BY_ID, body, catalogBodies, catalogVariables, distinctOperations } from './operations.js';
import { accessToken, closed, directHeaders, failed, gatewayTargets, gql, type BenchContext, type ScenarioResult } from './benchContext.js';

/** 1 and 7: the catalog page, distinct arguments per request; the router's memory while it serves it. */
export async function catalogPage(ctx: BenchContext): Promise<ScenarioResult> {
  const bodies = catalogBodies(5_000, ctx.fixtures.categories);
  const targets = gatewayTargets(ctx);
  targets.push({ name: 'direct', url: ctx.stack.subgraphUrls.products!, headers: () => directHeaders(ctx.stack, 'products') });
  const direct = catalogBodies(5_000, ctx.fixtures.categories, CATALOG_PAGE_PRODUCTS_ONLY);
  const results = await compareTargets(
    targets.filter((t) => t.name !== 'direct'),
    { ...ctx.compare, load: closed(ctx, bodies) },
  );
  Object.assign(results, await compareTargets([targets.find((t) => t.name === 'direct')!], { ...ctx.compare, load: closed(ctx, direct) }));
  const stock = medianRatio(results, 'ours', 'stock');
  const hive = medianRatio(results, 'ours', 'hive');
  return {
    title: '1. Catalog page: products(first: 20) with variants { price inventory } and category, anonymous, distinct arguments',
    available: true,
    note: '"direct" sends the products subgraph its own share of the page (no inventory field), so it is a ceiling, not a like-for-like.',
    targets: results,
    figures: { 'ours / stock': stock, 'ours / hive': hive },
    checks: [
      { what: 'RPS ours / stock router', value: stock, bound: '>= 1.5', met: stock >= 1.5 && !failed(results) },
      { what: 'RPS ours / Hive Gateway', value: hive, bound: '>= 1.0', met: hive >= 1.0 && !failed(results) },
    ],
    failed: failed(results),
  };
}

/** 2: the same page repeated; with a response cache, how many hits, and how soon a price change shows. */
export async function repeatedPage(ctx: BenchContext): Promise<ScenarioResult> {
  const variables = catalogVariables(7, ctx.fixtures.categories);
  const bodies = [body(CATALOG_PAGE, variables)];
  const ours = ctx.gateways.ours!;
  const results = await compareTargets(gatewayTargets(ctx), { ...ctx.compare, load: closed(ctx, bodies) });
  const oursRuns = results.ours?.runs ?? [];
  const requests = oursRuns.reduce((sum, r) => sum + r.requests, 0);
  const hitRatio = requests > 0 ? oursRuns.reduce((sum, r) => sum + r.cacheHits, 0) / requests : 0;

  // A price change through the router, then the same page read until it shows the new price.
  const admin = await accessToken(ctx.stack, '000000000000000000000001', 'ADMIN');
  type Page = { products: { nodes: Array<{ variants: Array<{ sku: string; price: { amount: string } }> }> } };
  const page = await gql<Page>(ours.url, CATALOG_PAGE, variables);
  const variant = page.products.nodes[0]!.variants[0]!;
  const withIds = await gql<{ products: { nodes: Array<{ variants: Array<{ id: string; sku: string }> }> } }>(ours.url, CATALOG_PAGE.replace('variants { sku', 'variants { id sku'), variables);
  const id = withIds.products.nodes[0]!.variants.find((v) => v.sku === variant.sku)!.id;
  const newPrice = (Number(variant.price.amount) + 1).toFixed(2);
  const writeStarted = Date.now();
  await gql(ours.url, 'mutation($id: ID!, $price: String!) { updateVariant(id: $id, input: { price: $price }) { userErrors { code } } }', { id, price: newPrice }, { authorization: `Bearer ${admin}` });
  // Visibility counts from the write's acknowledgement: before it, nobody may expect the new price.
  const changed = Date.now();
  const writeMs = changed - writeStarted;
  let visibleMs = Number.NaN;
  while (Date.now() - changed < 60_000) {
    // A read sent at this moment is the one that sees (or not) the new price; its own duration is not staleness.
    const sent = Date.now();
    const fresh = await gql<Page>(ours.url, CATALOG_PAGE, variables);
    if (fresh.products.nodes[0]!.variants.find((v) => v.sku === variant.sku)?.price.amount === newPrice) {
      visibleMs = sent - changed;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const stock = medianRatio(results, 'ours', 'stock');
  const hive = medianRatio(results, 'ours', 'hive');
  return {
    title: '2. Same catalog page repeated (cacheable)',
    available: true,
    targets: results,
    figures: { 'ours / stock': stock, 'ours / hive': hive, 'response cache hit ratio': hitRatio, 'price write took (ms)': writeMs, 'price change visible after the write returned (ms)': visibleMs },
    note: 'Our router caches anonymous catalog answers for 5 s at most; a catalog or stock write through the router makes the next read a miss on every replica. Stock and Hive run without a response cache.',
    checks: [{ what: 'price change (through the router) visible after (ms)', value: visibleMs, bound: '<= 5000 (TTL); expected ~0', met: visibleMs <= 5_000 }],
    failed: failed(results) || !Number.isFinite(visibleMs),
  };
}

/** 3: product(id) through the router against the products subgraph alone. */
export async function gatewayOverhead(ctx: BenchContext): Promise<ScenarioResult> {
  const bodies = Array.from({ length: 2_000 }, (_, i) => body(PRODUCT_BY_ID, { id: ctx.fixtures.productIds[i % ctx.fixtures.productIds.length] }));
  const targets: Target[] = [
    { name: 'ours', url: ctx.gateways.ours!.url, pid: ctx.gateways.ours!.child.pid },
    { name: 'direct', url: ctx.stack.subgraphUrls.products!, headers: () => directHeaders(ctx.stack, 'products') },
  ];
  const results = await compareTargets(targets, { ...ctx.compare, load: closed(ctx, bodies) });
  const ratio = medianRatio(results, 'ours', 'direct');
  return {
    title: '3. Gateway overhead: product(id) through the router / straight to the products subgraph',
    available: true,
    targets: results,
    figures: { 'ours / direct': ratio },
    checks: [{ what: 'RPS router / direct', value: ratio, bound: '>= 0.5', met: ratio >= 0.5 && !failed(results) }],
    failed: failed(results),
  };
}

/**
 * 4: database commands per catalog request, at 10 and at 100 products a
 * page, in the subgraphs the page's plan reaches. Background pollers also
 * query now and then; an idle window as long as the requests took is
 * counted too and taken off.
 */
export async function commandsPerRequest(ctx: BenchContext): Promise<ScenarioResult> {
  const requests = 20;
  const planned = ['products', 'inventory'];
  const counters = planned.map((name) => [name, ctx.stack.counters[name]!] as const);
  const snapshot = () => Object.fromEntries(counters.flatMap(([subgraph, counter]) => Object.entries(counter.counts()).map(([command, n]) => [`${subgraph} ${command}`, n])));
  const perSize: Record<string, Record<string, number>> = {};
  for (const first of [10, 100]) {
    for (const [, counter] of counters) counter.reset();
    const started = Date.now();
    for (let i = 0; i < requests; i += 1) await gql(ctx.gateways.ours!.url, CATALOG_PAGE, catalogVariables(10_000 + i, ctx.fixtures.categories, first));
    const busy = snapshot();
    for (const [, counter] of counters) counter.reset();
    await new Promise((resolve) => setTimeout(resolve, Date.now() - started));
    const idle = snapshot();
    const counts: Record<string, number> = {};
    for (const [command, n] of Object.entries(busy)) {
      const perRequest = Math.round((n - (idle[command] ?? 0)) / requests);
      if (perRequest > 0) counts[command] = perRequest;
    }
    perSize[`first: ${first}`] = counts;
  }
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const at10 = total(perSize['first: 10']!);
  const at100 = total(perSize['first: 100']!);
  return {
    title: '4. N+1: database commands per catalog request',
    available: true,
    note: `Counted on the wire between each subgraph and the database, over ${requests} requests per size, less an equal idle window (background pollers), rounded per request.`,
    figures: { 'commands per request, first: 10': at10, 'commands per request, first: 100': at100, ...perSize },
    checks: [{ what: 'commands per request at 100 products - at 10', value: at100 - at10, bound: '= 0', met: at100 === at10 }],
    failed: false,
  };
}

/**
 * 7: the router's memory under the catalog page, and while 4,000 distinct
 * operations (four rounds of 1,000 new ones) fill its caches. Apollo bounds
 * both the query-plan cache and the parsed-document cache by size (LRU,
 * about 30 MiB each per process), so growth must level off.
 */
export async function memory(ctx: BenchContext, catalog: ScenarioResult | undefined): Promise<ScenarioResult> {
  const ours = ctx.gateways.ours!;
  const underLoad = catalog?.targets?.ours?.maxRssBytes ?? 0;
  const operations = distinctOperations(4_000);
  const rss = [treeRss(ours.child.pid!)];
  let errors = 0;
  for (let round = 0; round < 4; round += 1) {
    for (const operation of operations.slice(round * 1_000, (round + 1) * 1_000)) {
      const response = await fetch(ours.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: operation });
      const parsed = (await response.json()) as { errors?: unknown[] };
      if (parsed.errors) errors += 1;
    }
    rss.push(treeRss(ours.child.pid!));
  }
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const growth = mb(rss[4]! - rss[0]!);
  return {
    title: '7. Memory: router RSS (all its processes) under scenario 1; 4,000 distinct operations',
    available: true,
    figures: {
      'max RSS under scenario 1 (MB)': underLoad ? mb(underLoad) : 'not measured (scenario 1 not run)',
      'RSS before, then after each 1,000 new operations (MB)': rss.map(mb).join(', '),
      'operations answered with errors': errors,
    },
    checks: [
      { what: 'router RSS under scenario 1 (MB)', value: mb(underLoad), bound: '<= 300', met: underLoad > 0 && mb(underLoad) <= 300 },
      { what: 'RSS growth over 4,000 distinct operations (MB)', value: growth, bound: '<= 150 (bounded caches)', met: growth <= 150 && errors === 0 },
    ],
    failed: errors > 0,
  };
}
