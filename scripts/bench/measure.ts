import { treeRss } from './gateways.js';
import { runLoad, type LoadOptions, type LoadResult } from './k6.js';

/** One thing measured: where requests go, and with which headers (fresh per run: identity tokens expire). */
export interface Target {
  name: string;
  url: string;
  headers?: () => Promise<Record<string, string>>;
  /** A process whose resident memory is sampled while this target is loaded. */
  pid?: number;
}

export interface TargetRuns {
  runs: Array<LoadResult & { maxRssBytes?: number }>;
  medianRps: number;
  medianP99: number;
  maxRssBytes?: number;
  ok: boolean;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface CompareOptions {
  k6: string;
  workDir: string;
  runs: number;
  warmupSeconds: number;
  load: Omit<LoadOptions, 'url' | 'headers'>;
  log: (line: string) => void;
  /** Runs already made by a caller that runs one at a time (only the log lines' numbering). */
  runsBefore?: number;
}

/**
 * Side by side: every run loads each target in turn, the order rotating
 * from run to run, so drift on a shared machine falls on all targets alike.
 * Ratios are taken within a run, then their median across runs.
 */
export async function compareTargets(targets: Target[], options: CompareOptions): Promise<Record<string, TargetRuns>> {
  const results: Record<string, TargetRuns> = Object.fromEntries(targets.map((t) => [t.name, { runs: [], medianRps: 0, medianP99: 0, ok: true }]));
  for (const target of targets) {
    if (options.warmupSeconds > 0) await runLoad(options.k6, options.workDir, { ...options.load, url: target.url, headers: await target.headers?.(), durationSeconds: options.warmupSeconds });
  }
  for (let run = 0; run < options.runs; run += 1) {
    const order = targets.map((_, i) => targets[(i + run) % targets.length]!);
    for (const target of order) {
      let maxRss = 0;
      const sampler = target.pid ? setInterval(() => (maxRss = Math.max(maxRss, treeRss(target.pid!))), 500) : null;
      const result = await runLoad(options.k6, options.workDir, { ...options.load, url: target.url, headers: await target.headers?.() });
      if (sampler) clearInterval(sampler);
      results[target.name]!.runs.push({ ...result, ...(target.pid ? { maxRssBytes: maxRss } : {}) });
      options.log(`  run ${(options.runsBefore ?? 0) + run + 1} ${target.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms${result.ok ? '' : `, FAILED (${result.bad} bad, ${result.dropped} dropped)`}${maxRss ? `, RSS ${(maxRss / 2 ** 20).toFixed(0)} MB` : ''}`);
    }
  }
  for (const entry of Object.values(results)) {
    entry.medianRps = median(entry.runs.map((r) => r.rps));
    entry.medianP99 = median(entry.runs.map((r) => r.p99));
    entry.ok = entry.runs.every((r) => r.ok);
    const rss = entry.runs.map((r) => r.maxRssBytes ?? 0).filter(Boolean);
    if (rss.length) entry.maxRssBytes = Math.max(...rss);
  }
  return results;
}

/** Median over runs of a / b, each ratio taken within one run. */
export function medianRatio(results: Record<string, TargetRuns>, a: string, b: string, pick: (r: LoadResult) => number = (r) => r.rps): number {
  const ra = results[a]?.runs ?? [];
  const rb = results[b]?.runs ?? [];
  return median(ra.flatMap((run, i) => (rb[i] ? [pick(run) / pick(rb[i])] : [])).filter((x) => Number.isFinite(x)));
}
