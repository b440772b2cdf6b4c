import type { ScenarioResult } from './benchContext.js';

export interface BenchReport {
  startedAt: string;
  machine: { cores: number; cpu: string; memoryGiB: number; node: string; loadBefore: number[]; loadAfter: number[] };
  settings: { catalogProducts: number; catalogVariants: number; runs: number; durationSeconds: number; warmupSeconds: number; vus: number; cartRate: number; routerEntry: string; k6: string };
  scenarios: ScenarioResult[];
  failed: boolean;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function figure(value: ScenarioResult['figures'][string]): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : fmt(value);
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k} ${fmt(v, 1)}`).join('; ') || 'none';
  return String(value);
}

/** The committed results: machine facts, one table per scenario, the targets of the specification. */
export function renderMarkdown(report: BenchReport): string {
  const { machine, settings } = report;
  const lines = [
    '# Benchmark results (latest)',
    '',
    `Run ${report.startedAt} with \`npm run bench\`: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, load average ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')} before and ${machine.loadAfter.map((l) => l.toFixed(2)).join(' ')} after.`,
    `Catalog: ${settings.catalogProducts} products, ${settings.catalogVariants} variants. Each figure is the median of ${settings.runs} runs of ${settings.durationSeconds} s (after ${settings.warmupSeconds} s of warm-up per target); targets alternate within each run and ratios are taken within a run. Closed model: ${settings.vus} virtual users back to back; open model: constant arrival rate (k6 ${settings.k6}). Router entry: \`${settings.routerEntry}\`.`,
    report.failed ? '\n**FAILED: some run had error responses or dropped iterations (see the ok column). A target whose ok column says no answered with errors: its req/s counts those errors and is not a throughput, and a target it is part of is not met.**' : '',
    '',
    '## Targets',
    '',
    '| scenario | what | value | bound | met |',
    '|---|---|---|---|---|',
    ...report.scenarios.flatMap((s) => (s.available ? s.checks.map((c) => `| ${s.title.split(':')[0]} | ${c.what} | ${fmt(c.value)} | ${c.bound} | ${c.met ? 'yes' : '**no**'} |`) : [`| ${s.title.split(':')[0]} | ${s.note} | | | |`])),
    '',
  ];
  for (const s of report.scenarios) {
    lines.push(`## ${s.title}`, '');
    if (!s.available) {
      lines.push(s.note ?? 'not available', '');
      continue;
    }
    if (s.note) lines.push(s.note, '');
    if (s.targets) {
      lines.push('| target | median req/s | median p50 ms | median p99 ms | max RSS MB | ok | runs (req/s) |', '|---|---|---|---|---|---|---|');
      for (const [name, t] of Object.entries(s.targets)) {
        const med = (pick: (r: (typeof t.runs)[number]) => number) => [...t.runs.map(pick)].sort((a, b) => a - b)[Math.floor(t.runs.length / 2)] ?? Number.NaN;
        lines.push(`| ${name} | ${fmt(t.medianRps, 0)} | ${fmt(med((r) => r.p50), 1)} | ${fmt(t.medianP99, 1)} | ${t.maxRssBytes ? fmt(t.maxRssBytes / 2 ** 20, 0) : ''} | ${t.ok ? 'yes' : '**no**'} | ${t.runs.map((r) => fmt(r.rps, 0)).join(', ')} |`);
      }
      lines.push('');
    }
    for (const [name, value] of Object.entries(s.figures)) lines.push(`- ${name}: ${figure(value)}`);
    lines.push('');
  }
  return lines.join('\n');
}
