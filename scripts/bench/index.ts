import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchStack } from './benchStack.js';
import { startGateway, type Gateway, type GatewayKind } from './gateways.js';
import { ensureK6 } from './k6.js';
import { renderMarkdown, type BenchReport } from './report.js';
import { cartLines, catalogPage, checkouts, commandsPerRequest, gatewayOverhead, loadFixtures, memory, repeatedPage, type BenchContext, type ScenarioResult } from './scenarios.js';

/**
 * `npm run bench`: starts its own stack on free ports (stores, seeded
 * catalog, every subgraph, our router and the baseline gateways as separate
 * processes), measures every scenario side by side, tears it all down, and
 * writes scripts/bench/RESULTS.md and results.json. A run with any error
 * response is reported as failed and exits non-zero.
 */
const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    vus: { type: 'string', default: '16' },
    'cart-rate': { type: 'string', default: '500' },
    scenarios: { type: 'string', default: '1,2,3,4,5,6,7' },
    gateways: { type: 'string', default: 'ours,stock,hive' },
    'router-entry': { type: 'string', default: 'router/src/index.ts' },
    out: { type: 'string', default: fileURLToPath(new URL('.', import.meta.url)) },
    verbose: { type: 'boolean', default: false },
  },
});

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const wanted = new Set(values.scenarios.split(',').map((s) => s.trim()));
const kinds = values.gateways.split(',').map((s) => s.trim()) as GatewayKind[];

async function main(): Promise<number> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  const k6 = ensureK6(log);
  const k6Version = execFileSync(k6, ['version']).toString().split(' ')[1] ?? 'unknown';
  const workDir = mkdtempSync(join(tmpdir(), 'shopcart-bench-k6-'));
  const stack = await startBenchStack({ size: Number(values.size), log, verbose: values.verbose });
  const gateways: Partial<Record<GatewayKind, Gateway>> = {};
  try {
    for (const kind of kinds) {
      gateways[kind] = await startGateway(kind, stack, log, kind === 'ours' ? { entry: values['router-entry'] } : {});
      log(`${kind} gateway at ${gateways[kind].url}`);
    }
    const fixtures = await loadFixtures(gateways.ours!.url);
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
    const scenarios: ScenarioResult[] = [];
    const run = async (id: string, f: () => Promise<ScenarioResult>) => {
      if (!wanted.has(id)) return undefined;
      log(`scenario ${id}`);
      const result = await f();
      scenarios.push(result);
      for (const check of result.checks) log(`  ${check.what}: ${Number.isFinite(check.value) ? check.value.toFixed(2) : 'n/a'} (${check.bound}) ${check.met ? 'met' : 'NOT met'}`);
      if (!result.available) log(`  ${result.note}`);
      return result;
    };
    const catalog = await run('1', () => catalogPage(ctx));
    await run('2', () => repeatedPage(ctx));
    await run('3', () => gatewayOverhead(ctx));
    await run('4', () => commandsPerRequest(ctx));
    await run('5', () => cartLines(ctx));
    await run('6', () => checkouts(ctx));
    if (catalog) await run('7', () => memory(ctx, catalog));

    const report: BenchReport = {
      startedAt,
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadBefore, loadAfter: loadavg() },
      settings: {
        catalogProducts: stack.seeded.products,
        catalogVariants: stack.seeded.variants,
        runs: ctx.compare.runs,
        durationSeconds: ctx.durationSeconds,
        warmupSeconds: ctx.compare.warmupSeconds,
        vus: ctx.vus,
        cartRate: ctx.cartRate,
        routerEntry: values['router-entry'],
        k6: k6Version,
      },
      scenarios,
      failed: scenarios.some((s) => s.failed),
    };
    writeFileSync(join(values.out, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(values.out, 'RESULTS.md'), renderMarkdown(report));
    log(`wrote ${join(values.out, 'RESULTS.md')} and results.json${report.failed ? ': FAILED, some responses were errors' : ''}`);
    return report.failed ? 1 : 0;
  } finally {
    for (const gateway of Object.values(gateways)) await gateway.stop();
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return 1;
});
