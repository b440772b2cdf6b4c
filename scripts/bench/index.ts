import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * `npm run bench`: starts its own stack on free ports (stores, seeded
 * catalog, every subgraph, our router and the baseline gateways as separate
 * processes), measures every scenario side by side, tears it all down, and
 * writes scripts/bench/RESULTS.md and results.json. A run with any error
 * response is reported as failed and exits non-zero.
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
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
    /** Writes V8 CPU profiles of our router (every worker) and the stock gateway here; summarise with profileTop.ts. */
    'cpu-prof': { type: 'string' },
    /** Catalog sizes for scenario 8 (the embedded store), each on a stack of its own. */
    'store-sizes': { type: 'string', default: '2000,100000' },
    'idle-seconds': { type: 'string', default: '60' },
    'settle-seconds': { type: 'string', default: '90' },
  },
});

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const wanted = new Set(values.scenarios.split(',').map((s) => s.trim()));
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

async function main(): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  buildGateways(log);
  if ([...wanted].some((id) => id !== '8')) await mainStackScenarios(startedAt, loadBefore);
  if (wanted.has('8')) {
    // After the main stack is gone: its idle CPU must not count as the embedded store's.
    log('scenario 8');
    const result = await embeddedStore({
      sizes: values['store-sizes'].split(',').map(Number),
      idleSeconds: Number(values['idle-seconds']),
      settleSeconds: Number(values['settle-seconds']),
      routerEntry: values['router-entry'],
      routerEnv,
      log,
      verbose: values.verbose,
    }).catch((err: unknown): ScenarioResult => ({ title: '8. (failed)', available: false, note: `failed: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`, figures: {}, checks: [], failed: true }));
    scenarios.push(result);
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
  const stack = await startBenchStack({ size: Number(values.size), log, verbose: values.verbose });
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
    const fixtures = await loadFixtures((gateways.ours ?? gateways[kinds[0]])!.url);
    const ctx: BenchContext = {
      stack,
      gateways,
      compare: { k6, workDir, runs: Number(values.runs), warmupSeconds: Number(values.warmup), log },
      vus: Number(values.vus),
      durationSeconds: Number(values.duration),
      cartRate: Number(values['cart-rate']),
      fixtures,
      log,
    };
    lastSettings = { seeded: stack.seeded, ctx, k6Version };
    const run = async (id: string, f: () => Promise<ScenarioResult>) => {
      if (!wanted.has(id)) return undefined;
      log(`scenario ${id}`);
      // One scenario's failure is reported as such; the others still run.
      const result = await f().catch((err: unknown): ScenarioResult => ({
        title: `${id}. (failed)`,
        available: false,
        note: `failed: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`,
        figures: {},
        checks: [],
        failed: true,
      }));
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
      durationSeconds: ctx?.durationSeconds ?? Number(values.duration),
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
