import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { mongo } from 'mongoose';
import { accessToken, gql, loadFixtures, type ScenarioResult } from './benchContext.js';
import { startBenchStack, type BenchStack } from './benchStack.js';
import { startGateway } from './gateways.js';
import { median } from './measure.js';
import { CART_ADD_LINES } from './operations.js';

/**
 * 8: the embedded store (FerretDB on PostgreSQL), as `npm start` runs it:
 * the stack's CPU at rest, one customer's checkout latency, checkouts/s
 * under 32 concurrent customers, and a flash sale. Each catalog size gets a
 * stack of its own with the services' default background loops (the other
 * scenarios slow those down so that they count only requests' commands).
 */

export interface StoreOptions {
  sizes: number[];
  log: (line: string) => void;
  idleSeconds: number;
  /** How long after start-up the stack is left alone before it counts as at rest. */
  settleSeconds: number;
  routerEntry: string;
  routerEnv: Record<string, string>;
  verbose?: boolean;
  /** With --cpu-prof: a V8 CPU profile of every subgraph per catalog size (the whole run of that size). */
  cpuProfileDir?: string;
}

const CHECKOUT = `mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { order { id status } userErrors { code } } }`;
const ADDRESS = { fullName: 'Bench Customer', line1: '1 Load Street', city: 'Testville', postalCode: '10001', countryCode: 'US' };
const ADMIN_ID = '000000000000000000000001';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Busy CPU of the whole machine, in cores, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + fields[4]!;
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU ticks (user + system) of every process on the machine, by pid, with its command name. */
function processTicks(): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const script = cmd.find((part) => /(subgraphs|router)\/[\w-]+\/(dist|src)\/index|router\/dist\/index/.test(part));
      const name = script ? script.replace(/^.*?(subgraphs\/|)([\w-]+)\/(dist|src)\/index.*$/, '$2') : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(entry), { name, ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** CPU used over `seconds`: the machine's busy share in cores, and each process name's share of one core. */
async function cpuOver(seconds: number): Promise<{ machineCores: number; byProcess: Record<string, number> }> {
  const hz = 100;
  const m0 = machineTicks();
  const p0 = processTicks();
  await pause(seconds * 1000);
  const m1 = machineTicks();
  const p1 = processTicks();
  const byProcess: Record<string, number> = {};
  for (const [pid, { name, ticks }] of p1) {
    const used = ticks - (p0.get(pid)?.ticks ?? ticks);
    if (used > 0) byProcess[name] = (byProcess[name] ?? 0) + used / hz / seconds;
  }
  const machineCores = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cpus().length;
  return { machineCores, byProcess: Object.fromEntries(Object.entries(byProcess).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => [k, Number(v.toFixed(3))])) };
}

interface Shopper {
  token: string;
  add(variantId: string): Promise<void>;
  checkout(key: string): Promise<{ ms: number; orderId: string | null; status: string | null; code: string | null; error: string | null }>;
}

async function shopper(url: string, stack: BenchStack, i: number): Promise<Shopper> {
  // A customer id of its own: carts and orders are keyed by it.
  const userId = `${(Date.now() + i).toString(16).padStart(12, '0')}${i.toString(16).padStart(12, '0')}`.slice(-24);
  const token = await accessToken(stack, userId, 'CUSTOMER');
  const post = async (body: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    return (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  };
  return {
    token,
    async add(variantId) {
      const r = await post(JSON.stringify({ query: CART_ADD_LINES, variables: { lines: [{ variantId, quantity: 1 }] } }));
      if (r.errors || r.data?.cartAddLines.userErrors.length) throw new Error(`cartAddLines: ${JSON.stringify(r.errors ?? r.data.cartAddLines.userErrors)}`);
    },
    async checkout(key) {
      const started = performance.now();
      const r = await post(JSON.stringify({ query: CHECKOUT, variables: { input: { shippingAddress: ADDRESS, paymentToken: 'tok_visa', idempotencyKey: key } } }));
      const ms = performance.now() - started;
      const error = r.errors?.map((e) => e.extensions?.code ?? e.message).join(',') ?? null;
      const code = r.data?.checkout?.userErrors?.[0]?.code ?? null;
      const status = r.data?.checkout?.order?.status ?? null;
      return { ms, orderId: r.data?.checkout?.order?.id ?? null, status, code, error };
    },
  };
}

async function stockOf(mongoUrl: string, sku: string): Promise<{ available: number; holds: number }> {
  const client = await new mongo.MongoClient(mongoUrl).connect();
  try {
    const doc = await client.db('shopcart_inventory').collection('stock').findOne({ sku });
    return { available: Number(doc?.available ?? -1), holds: (doc?.holdIds as unknown[] | undefined)?.length ?? -1 };
  } finally {
    await client.close();
  }
}

async function capturedPayments(mongoUrl: string, orderIds: string[]): Promise<number> {
  const client = await new mongo.MongoClient(mongoUrl).connect();
  try {
    let captured = 0;
    for (const orderId of orderIds) captured += await client.db('shopcart_payments').collection('payments').countDocuments({ orderId, status: 'CAPTURED' });
    return captured;
  } finally {
    await client.close();
  }
}

interface SizeFigures {
  idle: { machineCores: number; byProcess: Record<string, number> };
  checkoutMedianMs: number;
  checkoutRunsMs: number[];
  throughput?: { perSecond: number; confirmed: number; errors: Record<string, number>; cpu: Record<string, number> };
  flash?: { confirmed: number; outOfStock: number; other: Record<string, number>; available: number; holds: number; captured: number };
}

async function measureSize(size: number, options: StoreOptions, measureLoad: boolean): Promise<SizeFigures> {
  const { log } = options;
  const stack = await startBenchStack({
    size,
    log,
    verbose: options.verbose,
    defaultPollers: true,
    countCommands: false,
    cpuProfileDir: options.cpuProfileDir ? join(options.cpuProfileDir, String(size)) : undefined,
  });
  const router = await startGateway('ours', stack, log, { entry: options.routerEntry, env: options.routerEnv }).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  try {
    const url = router.url;
    const admin = { authorization: `Bearer ${await accessToken(stack, ADMIN_ID, 'ADMIN')}` };
    const fixtures = await loadFixtures(url);
    // Start-up work settles before the store is measured at rest: at 100,000 products V8
    // collects the products index's start-up garbage 40-60 s after the service is ready
    // (15% of a core for those 20 s, then 0.7%), which is start-up, not rest.
    await pause(options.settleSeconds * 1000);
    log(`  at rest for ${options.idleSeconds}s with ${stack.seeded.products} products`);
    const idle = await cpuOver(options.idleSeconds);
    log(`  at rest: ${idle.machineCores.toFixed(3)} cores busy on the machine (${JSON.stringify(idle.byProcess)})`);

    const skus = fixtures.skus.slice(0, 60);
    const variantBySku = new Map(fixtures.skus.map((sku, i) => [sku, fixtures.variantIds[i]!]));
    for (const sku of skus) await gql(url, 'mutation($sku: String!) { setInventory(sku: $sku, available: 1000000) { userErrors { code } } }', { sku }, admin);

    // One customer alone, one unit of a different SKU each time.
    const alone = await shopper(url, stack, 0);
    const runs: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      await alone.add(variantBySku.get(skus[i % skus.length]!)!);
      const result = await alone.checkout(`alone-${size}-${i}`);
      if (result.status !== 'CONFIRMED') throw new Error(`checkout alone: ${JSON.stringify(result)}`);
      if (i >= 5) runs.push(result.ms); // the first five warm connections and plans
    }
    const checkoutMedianMs = median(runs);
    log(`  one customer: median checkout ${checkoutMedianMs.toFixed(1)} ms`);
    if (!measureLoad) return { idle, checkoutMedianMs, checkoutRunsMs: runs };

    // 32 customers back to back over spread SKUs.
    const customers = await Promise.all(Array.from({ length: 32 }, (_, i) => shopper(url, stack, 100 + i)));
    const errors: Record<string, number> = {};
    let confirmed = 0;
    const seconds = 20;
    const cpu = cpuOver(seconds);
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      customers.map(async (customer, c) => {
        for (let i = 0; Date.now() < deadline; i += 1) {
          await customer.add(variantBySku.get(skus[(c * 7 + i) % skus.length]!)!);
          const result = await customer.checkout(`load-${c}-${i}`);
          if (result.status === 'CONFIRMED') confirmed += 1;
          else errors[result.error ?? result.code ?? String(result.status)] = (errors[result.error ?? result.code ?? String(result.status)] ?? 0) + 1;
        }
      }),
    );
    const used = await cpu;
    const throughput = { perSecond: confirmed / seconds, confirmed, errors, cpu: used.byProcess };
    log(`  32 customers: ${throughput.perSecond.toFixed(1)} checkouts/s, errors ${JSON.stringify(errors)}, CPU ${JSON.stringify(used.byProcess)}`);

    // Flash sale: 50 customers at once for 10 units of one SKU.
    const hot = fixtures.skus[fixtures.skus.length - 1]!;
    await gql(url, 'mutation($sku: String!) { setInventory(sku: $sku, available: 10) { userErrors { code } } }', { sku: hot }, admin);
    const buyers = await Promise.all(Array.from({ length: 50 }, (_, i) => shopper(url, stack, 1_000 + i)));
    for (const buyer of buyers) await buyer.add(variantBySku.get(hot)!);
    const results = await Promise.all(buyers.map((buyer, i) => buyer.checkout(`flash-${i}`)));
    const other: Record<string, number> = {};
    for (const r of results) if (r.status !== 'CONFIRMED' && r.code !== 'OUT_OF_STOCK') other[r.error ?? r.code ?? String(r.status)] = (other[r.error ?? r.code ?? String(r.status)] ?? 0) + 1;
    const orderIds = results.filter((r) => r.status === 'CONFIRMED').map((r) => r.orderId!);
    // Holds are released or committed by the checkouts themselves; allow the last commits a moment.
    await pause(1_000);
    const level = await stockOf(stack.mongoUrl, hot);
    const flash = {
      confirmed: results.filter((r) => r.status === 'CONFIRMED').length,
      outOfStock: results.filter((r) => r.code === 'OUT_OF_STOCK').length,
      other,
      available: level.available,
      holds: level.holds,
      captured: await capturedPayments(stack.mongoUrl, orderIds),
    };
    log(`  flash sale: ${JSON.stringify(flash)}`);
    return { idle, checkoutMedianMs, checkoutRunsMs: runs, throughput, flash };
  } finally {
    await router.stop();
    await stack.stop();
  }
}

export async function embeddedStore(options: StoreOptions): Promise<ScenarioResult> {
  const bySize = new Map<number, SizeFigures>();
  for (const [i, size] of options.sizes.entries()) {
    options.log(`  stack with ${size} products`);
    bySize.set(size, await measureSize(size, options, i === 0));
  }
  const [small, large] = options.sizes.map((size) => bySize.get(size)!);
  const base = small!;
  const growth = large ? large.checkoutMedianMs / base.checkoutMedianMs : Number.NaN;
  const t = base.throughput!;
  const f = base.flash!;
  const figures: ScenarioResult['figures'] = {};
  for (const [size, s] of bySize) {
    figures[`${size} products: machine CPU at rest (cores)`] = Number(s.idle.machineCores.toFixed(3));
    figures[`${size} products: CPU at rest by process (cores)`] = s.idle.byProcess;
    figures[`${size} products: checkout alone, median ms (runs)`] = `${s.checkoutMedianMs.toFixed(1)} (${s.checkoutRunsMs.map((ms) => ms.toFixed(0)).join(', ')})`;
  }
  figures['32 customers: checkouts/s'] = Number(t.perSecond.toFixed(1));
  figures['32 customers: answers other than CONFIRMED'] = t.errors;
  figures['32 customers: CPU by process (cores)'] = t.cpu;
  figures['flash sale (50 for 10 units)'] = `${f.confirmed} CONFIRMED, ${f.outOfStock} OUT_OF_STOCK, other ${JSON.stringify(f.other)}, stock left ${f.available}, holds left ${f.holds}, captures ${f.captured}`;
  const flashMet = f.confirmed === 10 && f.outOfStock === 40 && Object.keys(f.other).length === 0 && f.available === 0 && f.holds === 0 && f.captured === 10;
  const checks: ScenarioResult['checks'] = [];
  for (const [size, s] of bySize) checks.push({ what: `machine CPU at rest, ${size} products (% of one core)`, value: s.idle.machineCores * 100, bound: '<= 5', met: s.idle.machineCores <= 0.05 });
  checks.push({ what: `checkout alone, ${options.sizes[0]} products (median ms)`, value: base.checkoutMedianMs, bound: '<= 150', met: base.checkoutMedianMs <= 150 });
  if (large) checks.push({ what: `checkout alone, ${options.sizes[1]} / ${options.sizes[0]} products`, value: growth, bound: '<= 1.3', met: growth <= 1.3 });
  checks.push({ what: '32 customers, spread SKUs (checkouts/s, no errors)', value: t.perSecond, bound: '>= 25', met: t.perSecond >= 25 && Object.keys(t.errors).length === 0 });
  checks.push({ what: 'flash sale: 10 CONFIRMED, 40 OUT_OF_STOCK, nothing else, stock 0, no holds, 10 captures', value: f.confirmed, bound: '= 10 and the rest', met: flashMet });
  return {
    title: `8. Embedded store (FerretDB on PostgreSQL): at rest, checkout alone, 32 customers, flash sale`,
    available: true,
    note: `A stack of its own per catalog size, with the services' default background loops and our router (${options.routerEntry}); at rest is the machine's busy CPU over ${options.idleSeconds} s (/proc/stat, everything on the machine counted) after ${options.settleSeconds} s of settling. Checkout alone: 25 checkouts of one unit by one customer, the first 5 not counted. 32 customers: each adds a line then checks out, back to back for 20 s over 60 SKUs. Flash sale: 50 customers with the SKU in their carts check out at once for 10 units.`,
    figures,
    checks,
    failed: Object.keys(t.errors).length > 0 || !flashMet,
  };
}
