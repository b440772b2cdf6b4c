import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolsDir } from '@shopcart/stack';

/** The load generator: k6, built from the Go module proxy into the tools folder on first use. */
export const K6_MODULE = 'go.k6.io/k6@latest';
const SCRIPT = fileURLToPath(new URL('./k6/load.js', import.meta.url));

export function ensureK6(log: (line: string) => void): string {
  const binary = join(toolsDir(), 'k6');
  if (existsSync(binary)) return binary;
  log(`building k6 (${K6_MODULE}) into ${toolsDir()}: a few minutes, once`);
  mkdirSync(toolsDir(), { recursive: true });
  execFileSync('go', ['install', K6_MODULE], { env: { ...process.env, GOBIN: toolsDir() }, stdio: ['ignore', 'inherit', 'inherit'] });
  return binary;
}

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  mode: 'closed' | 'open';
  /** Closed: concurrent users. Open: users allocated up front (4x may be added). */
  vus: number;
  /** Open model only: requests per second. */
  rate?: number;
  durationSeconds: number;
  /** Request bodies (JSON strings), cycled through: distinct ones defeat caches. */
  bodies: Array<string | { steps: Array<{ body: string; headers?: Record<string, string>; payloadField?: string }> }>;
  perVu?: boolean;
  /** A mutation payload whose userErrors must be empty. */
  payloadField?: string;
  acceptUserErrors?: boolean;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  bad: number;
  dropped: number;
  /** Answers the router served from its response cache. */
  cacheHits: number;
  ok: boolean;
}

let runs = 0;

export async function runLoad(k6: string, workDir: string, options: LoadOptions): Promise<LoadResult> {
  runs += 1;
  const bodiesPath = join(workDir, `bodies-${runs}.json`);
  const summaryPath = join(workDir, `summary-${runs}.json`);
  const configPath = join(workDir, `load-${runs}.json`);
  writeFileSync(bodiesPath, JSON.stringify(options.bodies));
  const { bodies: _bodies, durationSeconds, ...rest } = options;
  writeFileSync(configPath, JSON.stringify({ ...rest, duration: `${durationSeconds}s`, bodiesPath, summaryPath }));
  const stderr: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(k6, ['run', '--quiet', '--no-usage-report', '--no-color', '--no-thresholds', SCRIPT], {
      env: { ...process.env, BENCH_CONFIG: configPath, K6_NO_USAGE_REPORT: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0 || !existsSync(summaryPath)) throw new Error(`k6 failed (exit ${code}): ${stderr.join('').slice(-1500)}`);
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { metrics: Record<string, { values: Record<string, number> }> };
  const metric = (name: string, value: string) => summary.metrics[name]?.values[value] ?? 0;
  const result: LoadResult = {
    requests: metric('http_reqs', 'count'),
    rps: metric('http_reqs', 'rate'),
    p50: metric('http_req_duration', 'med'),
    p90: metric('http_req_duration', 'p(90)'),
    p99: metric('http_req_duration', 'p(99)'),
    max: metric('http_req_duration', 'max'),
    bad: metric('bad_responses', 'count'),
    dropped: metric('dropped_iterations', 'count'),
    cacheHits: metric('cache_hits', 'count'),
    ok: false,
  };
  result.ok = result.requests > 0 && result.bad === 0 && result.dropped === 0;
  const errorsSeen = stderr.join('').split('\n').filter((line) => line.includes('bad response')).slice(0, 2);
  if (errorsSeen.length) process.stderr.write(`${errorsSeen.join('\n')}\n`);
  return result;
}
