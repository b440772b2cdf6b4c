import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchStack } from './benchStack.js';
import { buildGateways, startGateway, type Gateway, type GatewayKind } from './gateways.js';
import { ensureK6 } from './k6.js';
import { renderMarkdown, type BenchReport } from './report.js';
import { loadFixtures, type BenchContext, type ScenarioResult } from './benchContext.js';
import { catalogPage, commandsPerRequest, gatewayOverhead, memory, repeatedPage } from './catalogScenarios.js';
import { cartLines, checkouts } from './journeyScenarios.js';
import { embeddedStore } from './storeScenarios.js';
import { searchWithFacets } from './searchScenario.js';
import { catalogPageLoad } from './catalogLoadScenario.js';
import { degradedCatalog } from './degradedScenario.js';
import { hotSkuCheckouts } from './hotSkuScenario.js';

/**
 * `npm run bench`: starts its own stack on free ports (stores, seeded
 * catalog, every subgraph, our router and the baseline gateways as separate
 * processes), measures every scenario side by side, tears it all down, and
 * writes scripts/bench/RESULTS.md and results.json (or into `--out`).
 * Scenarios 8 to 12 each run on a stack of their own after the others; 9 to
 * 12 only when asked for. A run with any error response is reported as
 * failed and exits non-zero.
 */
const { values } = parseArgs({
  options: {
    // Scenarios 1-7 and 10: 2,000 products; 9: 100,000; 11: 200.
    size: { type: 'string' },
    runs: { type: 'string', default: '3' },
    // Scenarios 1-7: 10 s per run; 10: 15 s.
    duration: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    vus: { type: 'string', default: '16' },
    'cart-rate': { type: 'string', default: '500' },
    scenarios: { type: 'string', default: '1,2,3,4,5,6,7,8' },
    gateways: { type: 'string', default: 'ours,stock,hive' },
    // The router as it deploys (docker-compose.yml): compiled, one process per replica, anonymous catalog
    // answers cached 5 s at most, the V8 heap capped at 256 MB.
    'router-entry': { type: 'string', default: 'router/dist/index.js' },
    'router-env': { type: 'string', default: 'RESPONSE_CACHE_TTL_SECONDS=5,NODE_OPTIONS=--max-old-space-size=256 --max-semi-space-size=32' },
    out: { type: 'string', default: fileURLToPath(new URL('.', import.meta.url)) },
    verbose: { type: 'boolean', default: false },
    /** Writes V8 CPU profiles here: our router (every worker) and the stock gateway, and with scenario 8 every subgraph (store/<size>/<name>); summarise with profileTop.ts. */
    'cpu-prof': { type: 'string' },
    /** Catalog sizes for scenario 8 (the embedded store), each on a stack of its own. */
    'store-sizes': { type: 'string', default: '2000,100000' },
    'idle-seconds': { type: 'string', default: '60' },
    'settle-seconds': { type: 'string', default: '90' },
    /** Scenario 9: searches per target and round (default 300); 11: requests per phase (default 100). */
    requests: { type: 'string' },
    /** Scenario 9: alternating rounds. */
    rounds: { type: 'string', default: '3' },
    /** Scenario 10: the name this run is kept under in catalog-page-runs.json, beside earlier runs. */
    label: { type: 'string', default: 'run' },
    /** Scenario 11: the router's SUBGRAPH_TIMEOUT_MS. */
    'timeout-ms': { type: 'string', default: '5000' },
    /** Scenario 12: checkouts per measurement, and the SKUs spread checkouts buy from. */
    checkouts: { type: 'string', default: '150' },
    skus: { type: 'string', default: '200' },
  },
});

/** An option given as a number, or the scenario's own default. */
const numberOr = (value: string | undefined, fallback: number): number => (value === undefined ? fallback : Number(value));
const MAIN_STACK = ['1', '2', '3', '4', '5', '6', '7'];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const wanted = new Set(values.scenarios.split(',').map((s) => s.trim()).filter(Boolean));
const routerEnv = Object.fromEntries(values['router-env'].split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as [string, string]));
const kinds = values.gateways.split(',').map((s) => s.trim()) as GatewayKind[];

const scenarios: ScenarioResult[] = [];
let lastSettings: { seeded: { products: number; variants: number }; ctx?: BenchContext; k6Version: string } = { seeded: { products: 0, variants: 0 }, k6Version: 'unknown' };

function write(startedAt: string, loadBefore: number[]): BenchReport {
  const report = buildReport(startedAt, loadBefore, lastSettings.seeded, lastSettings.ctx, lastSettings.k6Version, scenarios);
  writeFileSync(join(values.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(values.out, 'RESULTS.md'), renderMarkdown(report));
  return report;
}

function logResult(result: ScenarioResult): void {
  for (const check of result.checks) log(`  ${check.what}: ${Number.isFinite(check.value) ? check.value.toFixed(2) : 'n/a'} (${check.bound}) ${check.met ? 'met' : 'NOT met'}`);
  if (!result.available) log(`  ${result.note}`);
}

/** Scenarios on stacks of their own, run after the main stack is gone: its idle CPU must not count as theirs. */
const SEPARATE: Record<string, () => Promise<ScenarioResult>> = {
  '8': () =>
    embeddedStore({
      sizes: values['store-sizes'].split(',').map(Number),
      idleSeconds: Number(values['idle-seconds']),
      settleSeconds: Number(values['settle-seconds']),
      routerEntry: values['router-entry'],
      routerEnv,
      log,
      verbose: values.verbose,
      cpuProfileDir: values['cpu-prof'] ? join(values['cpu-prof'], 'store') : undefined,
    }),
  '9': () => searchWithFacets({ size: numberOr(values.size, 100_000), requests: numberOr(values.requests, 300), rounds: Number(values.rounds), log, verbose: values.verbose }),
  '10': () =>
    catalogPageLoad({
      size: numberOr(values.size, 2_000),
      concurrency: Number(values.vus),
      seconds: numberOr(values.duration, 15),
      label: values.label,
      history: join(values.out, 'catalog-page-runs.json'),
      log,
      verbose: values.verbose,
    }),
  // FerretDB reads whole collections, so larger catalogs mostly measure the store.
  '11': () => degradedCatalog({ size: numberOr(values.size, 200), requests: numberOr(values.requests, 100), timeoutMs: Number(values['timeout-ms']), log }),
  '12': () => hotSkuCheckouts({ runs: Number(values.runs), checkouts: Number(values.checkouts), concurrency: Number(values.vus), skus: Number(values.skus), log }),
};

const failedScenario =
  (id: string) =>
  (err: unknown): ScenarioResult => ({ title: `${id}. (failed)`, available: false, note: `failed: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`, figures: {}, checks: [], failed: true });

async function main(): Promise<number> {
  const unknown = [...wanted].filter((id) => !MAIN_STACK.includes(id) && !(id in SEPARATE));
  if (unknown.length > 0) throw new Error(`no scenario ${unknown.join(', ')}: scenarios are ${[...MAIN_STACK, ...Object.keys(SEPARATE)].join(', ')}`);
  mkdirSync(values.out, { recursive: true });
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  const onMainStack = MAIN_STACK.some((id) => wanted.has(id));
  // The main stack and scenario 8 run the services compiled, as they deploy; 9 to 12 run the sources.
  if (onMainStack || wanted.has('8')) buildGateways(log);
  if (onMainStack) await mainStackScenarios(startedAt, loadBefore);
  for (const [id, scenario] of Object.entries(SEPARATE)) {
    if (!wanted.has(id)) continue;
    log(`scenario ${id}`);
    // Ctrl-C ends the process, and with it every store and service the scenario started (@shopcart/stack).
    const interrupted = () => process.exit(130);
    process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
    const result = await scenario().catch(failedScenario(id));
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    scenarios.push(result);
    write(startedAt, loadBefore);
    logResult(result);
  }
  const report = write(startedAt, loadBefore);
  log(`wrote ${join(values.out, 'RESULTS.md')} and results.json${report.failed ? ': FAILED, some responses were errors' : ''}`);
  return report.failed ? 1 : 0;
}

async function mainStackScenarios(startedAt: string, loadBefore: number[]): Promise<void> {
  const k6 = ensureK6(log);
  const k6Version = execFileSync(k6, ['version']).toString().split(' ')[1] ?? 'unknown';
  const workDir = mkdtempSync(join(tmpdir(), 'shopcart-bench-k6-'));
  const stack = await startBenchStack({ size: numberOr(values.size, 2_000), log, verbose: values.verbose });
  const gateways: Partial<Record<GatewayKind, Gateway>> = {};
  const tearDown = async () => {
    for (const gateway of Object.values(gateways)) await gateway.stop();
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  // Ctrl-C stops every process the bench started, and keeps what was measured so far.
  const interrupted = () => void tearDown().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    for (const kind of kinds) {
      gateways[kind] = await startGateway(kind, stack, log, { ...(kind === 'ours' ? { entry: values['router-entry'], env: routerEnv } : {}), ...(values['cpu-prof'] ? { cpuProfileDir: join(values['cpu-prof'], kind) } : {}) });
      log(`${kind} gateway at ${gateways[kind].url}`);
    }
    // Any gateway serves the same supergraph, so a baseline measured on its own can load them too.
    const fixtures = await loadFixtures((gateways.ours ?? Object.values(gateways)[0])!.url);
    const ctx: BenchContext = {
      stack,
      gateways,
      compare: { k6, workDir, runs: Number(values.runs), warmupSeconds: Number(values.warmup), log },
      vus: Number(values.vus),
      durationSeconds: numberOr(values.duration, 10),
      cartRate: Number(values['cart-rate']),
      fixtures,
      log,
    };
    lastSettings = { seeded: stack.seeded, ctx, k6Version };
    const run = async (id: string, f: () => Promise<ScenarioResult>) => {
      if (!wanted.has(id)) return undefined;
      log(`scenario ${id}`);
      // One scenario's failure is reported as such; the others still run.
      const result = await f().catch(failedScenario(id));
      scenarios.push(result);
      // Written after every scenario, so an interrupted run keeps what it measured.
      write(startedAt, loadBefore);
      logResult(result);
      return result;
    };
    const catalog = await run('1', () => catalogPage(ctx));
    await run('2', () => repeatedPage(ctx));
    await run('3', () => gatewayOverhead(ctx));
    await run('4', () => commandsPerRequest(ctx));
    await run('5', () => cartLines(ctx));
    await run('6', () => checkouts(ctx));
    await run('7', () => memory(ctx, catalog));
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await tearDown();
  }
}

function buildReport(startedAt: string, loadBefore: number[], seeded: { products: number; variants: number }, ctx: BenchContext | undefined, k6Version: string, scenarios: ScenarioResult[]): BenchReport {
  return {
    startedAt,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: loadavg() },
    settings: {
      catalogProducts: seeded.products,
      catalogVariants: seeded.variants,
      runs: ctx?.compare.runs ?? Number(values.runs),
      durationSeconds: ctx?.durationSeconds ?? numberOr(values.duration, 10),
      warmupSeconds: ctx?.compare.warmupSeconds ?? Number(values.warmup),
      vus: ctx?.vus ?? Number(values.vus),
      cartRate: ctx?.cartRate ?? Number(values['cart-rate']),
      routerEntry: [values['router-entry'], values['router-env']].filter(Boolean).join(' with '),
      k6: k6Version,
    },
    scenarios,
    failed: scenarios.some((s) => s.failed),
  };
}

process.exitCode = await main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
