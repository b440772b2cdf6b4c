import { readFileSync } from 'node:fs';
import { SignJWT, importPKCS8 } from 'jose';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import type { BenchStack } from './benchStack.js';
import { treeRss, type Gateway, type GatewayKind } from './gateways.js';
import type { LoadOptions } from './k6.js';
import { compareTargets, median, medianRatio, type CompareOptions, type Target, type TargetRuns } from './measure.js';
import {
  CART_ADD_LINES,
  CATALOG_PAGE,
  CATALOG_PAGE_PRODUCTS_ONLY,
  CHECKOUT,
  NO_OP_MUTATION,
  PRODUCT_BY_ID,
  body,
  catalogBodies,
  catalogVariables,
  distinctOperations,
} from './operations.js';

export interface BenchContext {
  stack: BenchStack;
  gateways: Partial<Record<GatewayKind, Gateway>>;
  compare: Omit<CompareOptions, 'load'>;
  vus: number;
  durationSeconds: number;
  cartRate: number;
  fixtures: Fixtures;
  log: (line: string) => void;
}

export interface Fixtures {
  categories: string[];
  productIds: string[];
  variantIds: string[];
  skus: string[];
}

export interface ScenarioResult {
  title: string;
  available: boolean;
  note?: string;
  targets?: Record<string, TargetRuns>;
  figures: Record<string, number | string | boolean | Record<string, number>>;
  /** Each target of the specification: its figure, the bound, and whether it is met. */
  checks: Array<{ what: string; value: number; bound: string; met: boolean }>;
  failed: boolean;
}

/**
 * One control request (fixtures, writes, checks). Right after a load run a
 * subgraph's breaker may still be open, so an unavailable answer is retried
 * for a while before it counts as a failure.
 */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    const parsed = (await response.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string } }> };
    if (response.ok && !parsed.errors && parsed.data) return parsed.data;
    const unavailable = parsed.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
    if (!unavailable || attempt >= 60) throw new Error(`${response.status} ${JSON.stringify(parsed.errors ?? parsed).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** An access token as users issues them, minted with the stack's own key. */
export async function accessToken(stack: BenchStack, userId: string, role: 'ADMIN' | 'CUSTOMER'): Promise<string> {
  const key = await importPKCS8(stack.keys.accessPrivate, 'EdDSA');
  return new SignJWT({ role }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('shopcart-users').setAudience('shopcart').setSubject(userId).setIssuedAt().setExpirationTime('2h').sign(key);
}

/** Headers for calling a subgraph directly: an anonymous identity token for it, fresh for each run. */
async function directHeaders(stack: BenchStack, subgraph: string): Promise<Record<string, string>> {
  const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(stack.keys.routerPrivate));
  return { authorization: `Bearer ${await signer.sign(subgraph, { userId: null, role: 'ANONYMOUS', clientIp: null })}` };
}

export async function loadFixtures(routerUrl: string): Promise<Fixtures> {
  const data = await gql<{ categories: Array<{ slug: string; children: Array<{ slug: string }> }>; products: { nodes: Array<{ id: string; variants: Array<{ id: string; sku: string }> }> } }>(
    routerUrl,
    '{ categories { slug children { slug } } products(first: 100, sort: NEWEST) { nodes { id variants { id sku } } } }',
  );
  return {
    categories: data.categories.flatMap((c) => [c.slug, ...c.children.map((child) => child.slug)]),
    productIds: data.products.nodes.map((p) => p.id),
    variantIds: data.products.nodes.flatMap((p) => p.variants.map((v) => v.id)),
    skus: data.products.nodes.flatMap((p) => p.variants.map((v) => v.sku)),
  };
}

function gatewayTargets(ctx: BenchContext): Target[] {
  return (Object.values(ctx.gateways) as Gateway[]).map((g) => ({ name: g.kind, url: g.url, pid: g.child.pid }));
}

const closed = (ctx: BenchContext, bodies: LoadOptions['bodies']): CompareOptions['load'] => ({ mode: 'closed', vus: ctx.vus, durationSeconds: ctx.durationSeconds, bodies });
const failed = (targets: Record<string, TargetRuns>) => Object.values(targets).some((t) => !t.ok);

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
      { what: 'RPS ours / stock router', value: stock, bound: '>= 1.5', met: stock >= 1.5 },
      { what: 'RPS ours / Hive Gateway', value: hive, bound: '>= 1.0', met: hive >= 1.0 },
    ],
    failed: failed(results),
  };
}

async function routerCounter(url: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /result="(\w+)"[^ ]* (\d+(?:\.\d+)?)/.exec(line);
    if (match) out[match[1]!] = (out[match[1]!] ?? 0) + Number(match[2]);
  }
  return out;
}

/** 2: the same page repeated; with a response cache, how many hits, and how soon a price change shows. */
export async function repeatedPage(ctx: BenchContext): Promise<ScenarioResult> {
  const variables = catalogVariables(7, ctx.fixtures.categories);
  const bodies = [body(CATALOG_PAGE, variables)];
  const ours = ctx.gateways.ours!;
  const before = await routerCounter(ours.url, 'router_response_cache_requests_total');
  const results = await compareTargets(gatewayTargets(ctx), { ...ctx.compare, load: closed(ctx, bodies) });
  const after = await routerCounter(ours.url, 'router_response_cache_requests_total');
  const hits = (after.hit ?? 0) - (before.hit ?? 0);
  const misses = (after.miss ?? 0) - (before.miss ?? 0);
  const hitRatio = hits + misses > 0 ? hits / (hits + misses) : 0;

  // A price change through the router, then the same page read until it shows the new price.
  const admin = await accessToken(ctx.stack, '000000000000000000000001', 'ADMIN');
  type Page = { products: { nodes: Array<{ variants: Array<{ sku: string; price: { amount: string } }> }> } };
  const page = await gql<Page>(ours.url, CATALOG_PAGE, variables);
  const variant = page.products.nodes[0]!.variants[0]!;
  const withIds = await gql<{ products: { nodes: Array<{ variants: Array<{ id: string; sku: string }> }> } }>(ours.url, CATALOG_PAGE.replace('variants { sku', 'variants { id sku'), variables);
  const id = withIds.products.nodes[0]!.variants.find((v) => v.sku === variant.sku)!.id;
  const newPrice = (Number(variant.price.amount) + 1).toFixed(2);
  const changed = Date.now();
  await gql(ours.url, 'mutation($id: ID!, $price: String!) { updateVariant(id: $id, input: { price: $price }) { userErrors { code } } }', { id, price: newPrice }, { authorization: `Bearer ${admin}` });
  let visibleMs = Number.NaN;
  while (Date.now() - changed < 60_000) {
    const fresh = await gql<Page>(ours.url, CATALOG_PAGE, variables);
    if (fresh.products.nodes[0]!.variants.find((v) => v.sku === variant.sku)?.price.amount === newPrice) {
      visibleMs = Date.now() - changed;
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
    figures: { 'ours / stock': stock, 'ours / hive': hive, 'response cache hit ratio': hitRatio, 'price change visible after (ms)': visibleMs },
    checks: [{ what: 'price change visible through the router (ms)', value: visibleMs, bound: '<= stated bound', met: Number.isFinite(visibleMs) }],
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
    checks: [{ what: 'RPS router / direct', value: ratio, bound: '>= 0.5', met: ratio >= 0.5 }],
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

/** 5: cartAddLines at a fixed arrival rate, and against a no-op mutation through the same router. */
export async function cartLines(ctx: BenchContext): Promise<ScenarioResult> {
  const ours = ctx.gateways.ours!;
  const add = Array.from({ length: 5_000 }, (_, i) => body(CART_ADD_LINES, { lines: [{ variantId: ctx.fixtures.variantIds[i % ctx.fixtures.variantIds.length], quantity: 1 + (i % 3) }] }));
  const noop = [body(NO_OP_MUTATION)];
  const open = (bodies: string[], payloadField: string, acceptUserErrors: boolean): CompareOptions['load'] => ({ mode: 'open', rate: ctx.cartRate, vus: 50, durationSeconds: ctx.durationSeconds, bodies, payloadField, acceptUserErrors });
  const targets = (name: string): Target[] => [{ name, url: ours.url, pid: ours.child.pid }];
  const results: Record<string, TargetRuns> = {};
  // Alternate cart and no-op run by run, open model first, then closed.
  for (let run = 0; run < ctx.compare.runs; run += 1) {
    const one = { ...ctx.compare, runs: 1, warmupSeconds: run === 0 ? ctx.compare.warmupSeconds : 0 };
    for (const [name, load] of [
      ['cartAddLines @ rate', open(add, 'cartAddLines', false)],
      ['no-op @ rate', open(noop, 'cartRemoveLines', true)],
      ['cartAddLines closed', { ...closed(ctx, add), payloadField: 'cartAddLines' }],
      ['no-op closed', { ...closed(ctx, noop), payloadField: 'cartRemoveLines', acceptUserErrors: true }],
    ] as const) {
      const r = await compareTargets(targets(name), { ...one, load });
      (results[name] ??= { runs: [], medianRps: 0, medianP99: 0, ok: true }).runs.push(...r[name]!.runs);
    }
  }
  for (const entry of Object.values(results)) {
    entry.medianRps = median(entry.runs.map((r) => r.rps));
    entry.medianP99 = median(entry.runs.map((r) => r.p99));
    entry.ok = entry.runs.every((r) => r.ok);
  }
  const p99 = results['cartAddLines @ rate']!.medianP99;
  const ratio = medianRatio(results, 'cartAddLines closed', 'no-op closed');
  return {
    title: `5. Cart: cartAddLines (new guest cart, one line) at ${ctx.cartRate} req/s, and against a no-op mutation`,
    available: true,
    note: 'No-op: cartRemoveLines(lineIds: []), answered by the cart subgraph from input validation alone (no Redis, no catalog call): same router, same subgraph, no store.',
    targets: results,
    figures: { 'p99 at rate (ms)': p99, 'max RPS cartAddLines / no-op': ratio },
    checks: [
      { what: `p99 at ${ctx.cartRate} req/s (ms)`, value: p99, bound: '<= 20', met: p99 <= 20 },
      { what: 'RPS cartAddLines / no-op (closed model)', value: ratio, bound: '>= 0.7', met: ratio >= 0.7 },
    ],
    failed: failed(results),
  };
}

/** 6: checkouts per second through the router, all on one SKU against spread over many. */
export async function checkouts(ctx: BenchContext): Promise<ScenarioResult> {
  const title = '6. Checkout: checkouts/s through the router, hot SKU vs spread SKUs';
  if (!ctx.stack.subgraphs.orders || !/^\s+checkout\(/m.test(readFileSync(ctx.stack.supergraphPath, 'utf8'))) {
    return { title, available: false, note: 'not available: the orders subgraph (checkout) is not in this build yet', figures: {}, checks: [], failed: false };
  }
  const ours = ctx.gateways.ours!;
  const admin = { authorization: `Bearer ${await accessToken(ctx.stack, '000000000000000000000001', 'ADMIN')}` };
  const spread = ctx.fixtures.skus.slice(0, 50);
  for (const sku of spread) await gql(ours.url, 'mutation($sku: String!) { setInventory(sku: $sku, available: 1000000) { userErrors { code } } }', { sku }, admin);
  const variantBySku = new Map(ctx.fixtures.skus.map((sku, i) => [sku, ctx.fixtures.variantIds[i]!]));
  const customers: string[] = [];
  for (let i = 0; i < ctx.vus; i += 1) {
    const email = `bench-${Date.now()}-${i}@shopcart.dev`;
    const { register } = await gql<{ register: { accessToken: string | null; userErrors: unknown[] } }>(ours.url, 'mutation($input: RegisterInput!) { register(input: $input) { accessToken userErrors { code } } }', { input: { email, password: 'a long bench password 1', name: `Bench ${i}` } });
    if (!register.accessToken) throw new Error(`register failed: ${JSON.stringify(register.userErrors)}`);
    customers.push(register.accessToken);
  }
  const address = { fullName: 'Bench Customer', line1: '1 Load Street', city: 'Testville', postalCode: '10001', countryCode: 'US' };
  const journeys = (skuFor: (i: number) => string) =>
    customers.map((token, i) => ({
      steps: [
        { body: body(CART_ADD_LINES, { lines: [{ variantId: variantBySku.get(skuFor(i)), quantity: 1 }] }), headers: { authorization: `Bearer ${token}` }, payloadField: 'cartAddLines' },
        { body: body(CHECKOUT, { input: { shippingAddress: address, paymentToken: 'tok_visa', idempotencyKey: 'bench-__ITER__' } }), headers: { authorization: `Bearer ${token}` }, payloadField: 'checkout' },
      ],
    }));
  const load = (bodies: LoadOptions['bodies']): CompareOptions['load'] => ({ mode: 'closed', vus: ctx.vus, durationSeconds: ctx.durationSeconds, bodies, perVu: true });
  const results: Record<string, TargetRuns> = {};
  for (let run = 0; run < ctx.compare.runs; run += 1) {
    const one = { ...ctx.compare, runs: 1, warmupSeconds: 0 };
    for (const [name, bodies] of [
      ['hot SKU', journeys(() => spread[0]!)],
      ['spread SKUs', journeys((i) => spread[i % spread.length]!)],
    ] as const) {
      const r = await compareTargets([{ name, url: ours.url, pid: ours.child.pid }], { ...one, load: load(bodies) });
      (results[name] ??= { runs: [], medianRps: 0, medianP99: 0, ok: true }).runs.push(...r[name]!.runs);
    }
  }
  for (const entry of Object.values(results)) {
    // Two requests per checkout.
    entry.medianRps = median(entry.runs.map((r) => r.rps / 2));
    entry.medianP99 = median(entry.runs.map((r) => r.p99));
    entry.ok = entry.runs.every((r) => r.ok);
  }
  const ratio = medianRatio(results, 'hot SKU', 'spread SKUs');
  return {
    title,
    available: true,
    note: 'Each checkout is cartAddLines then checkout by one signed-in customer per virtual user; RPS columns count requests, checkouts/s is half.',
    targets: results,
    figures: { 'checkouts/s hot': results['hot SKU']!.medianRps, 'checkouts/s spread': results['spread SKUs']!.medianRps, 'hot / spread': ratio },
    checks: [{ what: 'checkouts/s hot / spread', value: ratio, bound: '>= 0.7', met: ratio >= 0.7 }],
    failed: failed(results),
  };
}

/** 7: the router's memory under the catalog page, and after 1,000 distinct operations (twice). */
export async function memory(ctx: BenchContext, catalog: ScenarioResult): Promise<ScenarioResult> {
  const ours = ctx.gateways.ours!;
  const underLoad = catalog.targets?.ours?.maxRssBytes ?? 0;
  const operations = distinctOperations(1_000);
  const rss = [treeRss(ours.child.pid!)];
  for (let round = 0; round < 3; round += 1) {
    for (const operation of operations) {
      const response = await fetch(ours.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: operation });
      const parsed = (await response.json()) as { errors?: unknown[] };
      if (parsed.errors) throw new Error(`distinct operation failed: ${JSON.stringify(parsed.errors).slice(0, 300)}`);
    }
    rss.push(treeRss(ours.child.pid!));
  }
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const growth = mb(rss[3]! - rss[1]!);
  return {
    title: '7. Memory: router RSS under scenario 1; 1,000 distinct operations, three rounds',
    available: true,
    figures: { 'max RSS under scenario 1 (MB)': mb(underLoad), 'RSS before, after rounds 1, 2, 3 (MB)': rss.map(mb).join(', '), 'growth from round 1 to 3 (MB)': growth },
    checks: [
      { what: 'router RSS under scenario 1 (MB)', value: mb(underLoad), bound: '<= 300', met: underLoad > 0 && mb(underLoad) <= 300 },
      { what: 'RSS growth after the plan cache filled (MB, rounds 1 -> 3)', value: growth, bound: '<= 25 (bounded)', met: growth <= 25 },
    ],
    failed: false,
  };
}
