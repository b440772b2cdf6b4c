import { readFileSync } from 'node:fs';
import type { LoadOptions } from './k6.js';
import { compareTargets, median, medianRatio, type CompareOptions, type Target, type TargetRuns } from './measure.js';
import { CART_ADD_LINES, CHECKOUT, NO_OP_MUTATION, body } from './operations.js';
import { accessToken, closed, failed, gql, type BenchContext, type ScenarioResult } from './benchContext.js';

/** 5: cartAddLines at a fixed arrival rate, and against a no-op mutation through the same router. */
export async function cartLines(ctx: BenchContext): Promise<ScenarioResult> {
  const ours = ctx.gateways.ours!;
  const stocked = ctx.fixtures.stockedVariantIds;
  const add = Array.from({ length: 5_000 }, (_, i) => body(CART_ADD_LINES, { lines: [{ variantId: stocked[i % stocked.length], quantity: 1 + (i % 3) }] }));
  const noop = [body(NO_OP_MUTATION)];
  const open = (bodies: string[], payloadField: string, acceptUserErrors: boolean): CompareOptions['load'] => ({ mode: 'open', rate: ctx.cartRate, vus: 50, durationSeconds: ctx.durationSeconds, bodies, payloadField, acceptUserErrors });
  const targets = (name: string): Target[] => [{ name, url: ours.url, pid: ours.child.pid }];
  const results: Record<string, TargetRuns> = {};
  // Alternate cart and no-op run by run, open model first, then closed.
  for (let run = 0; run < ctx.compare.runs; run += 1) {
    const one = { ...ctx.compare, runs: 1, runsBefore: run, warmupSeconds: run === 0 ? ctx.compare.warmupSeconds : 0 };
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
    const rss = entry.runs.map((r) => r.maxRssBytes ?? 0);
    if (rss.some(Boolean)) entry.maxRssBytes = Math.max(...rss);
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
      { what: `p99 at ${ctx.cartRate} req/s (ms)`, value: p99, bound: '<= 20', met: p99 <= 20 && results['cartAddLines @ rate']!.ok },
      { what: 'RPS cartAddLines / no-op (closed model)', value: ratio, bound: '>= 0.7', met: ratio >= 0.7 && !failed(results) },
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
    const one = { ...ctx.compare, runs: 1, runsBefore: run, warmupSeconds: 0 };
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
    const rss = entry.runs.map((r) => r.maxRssBytes ?? 0);
    if (rss.some(Boolean)) entry.maxRssBytes = Math.max(...rss);
  }
  const ratio = medianRatio(results, 'hot SKU', 'spread SKUs');
  return {
    title,
    available: true,
    note: 'Each checkout is cartAddLines then checkout by one signed-in customer per virtual user; RPS columns count requests, checkouts/s is half.',
    targets: results,
    figures: { 'checkouts/s hot': results['hot SKU']!.medianRps, 'checkouts/s spread': results['spread SKUs']!.medianRps, 'hot / spread': ratio },
    checks: [{ what: 'checkouts/s hot / spread', value: ratio, bound: '>= 0.7', met: ratio >= 0.7 && !failed(results) }],
    failed: failed(results),
  };
}

