import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, freePort, stopper } from '@shopcart/stack';
import type { BenchStack } from './benchStack.js';

/** The gateways compared, each serving the same supergraph of the same running subgraphs. */
export type GatewayKind = 'ours' | 'stock' | 'hive';

export const GATEWAY_LABELS: Record<GatewayKind, string> = {
  ours: 'Shopcart router',
  stock: 'stock @apollo/gateway + @apollo/server',
  hive: 'Hive Gateway',
};

export interface Gateway {
  kind: GatewayKind;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The router as it deploys, with rate limits raised so the load itself is not refused (they are still evaluated on every request). */
export function routerEnv(stack: BenchStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...stack.routerEnv,
    SUPERGRAPH_PATH: stack.supergraphPath,
    RATE_LIMIT_PER_IP: '1000000000',
    RATE_LIMIT_PER_USER: '1000000000',
    RATE_LIMIT_AUTH_PER_IP: '1000000000',
    PLAYGROUND: 'false',
    // Scenario 4 asks for 100 products with variants and stock in one page, above the anonymous default.
    MAX_COST: '50000',
    ...extra,
  };
}

function spawnProcess(command: string, args: string[], env: Record<string, string>, log: (line: string) => void, label: string): ChildProcess {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      if (/"level":(50|60)|Error|error/i.test(line)) log(`[${label}] ${line.slice(0, 400)}`);
    });
  }
  return child;
}

async function waitServing(url: string, child: ChildProcess, label: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${label} exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }), signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${label} did not serve ${url} within ${timeoutMs / 1000}s`);
}


/** Where the stock gateway runs from once compiled: inside node_modules, so its imports resolve as the source's do. */
const STOCK_GATEWAY_JS = join(REPO_ROOT, 'node_modules', '.cache', 'shopcart-bench', 'stockGateway.mjs');

/**
 * The subgraphs and both Node gateways run as they deploy: compiled
 * JavaScript under plain node, workspaces resolved to their builds
 * (`--conditions=production`), so none carries a TypeScript loader's memory
 * or start-up work. A router entry ending in .ts runs through tsx instead
 * (a look at uncompiled code).
 */
export function buildGateways(log: (line: string) => void): void {
  const started = Date.now();
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=@shopcart/router', '--filter=./subgraphs/*', '--output-logs=errors-only'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // The stock gateway is one file; esbuild (tsx's own compiler) turns it into JavaScript, its packages left as imports.
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'esbuild'), ['scripts/bench/stockGateway.ts', '--platform=node', '--format=esm', '--packages=external', `--outfile=${STOCK_GATEWAY_JS}`, '--log-level=warning'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`built the subgraphs, the router and the stock gateway in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

export async function startGateway(kind: GatewayKind, stack: BenchStack, log: (line: string) => void, options: { entry?: string; env?: Record<string, string>; cpuProfileDir?: string } = {}): Promise<Gateway> {
  const port = await freePort();
  const node = process.execPath;
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  let child: ChildProcess;
  if (kind === 'ours') {
    const entry = options.entry ?? 'router/dist/index.js';
    const run = entry.endsWith('.js') ? ['--conditions=production', entry] : ['--import', 'tsx', entry];
    child = spawnProcess(node, [...profile, ...run], { ...routerEnv(stack, options.env), PORT: String(port), HOST: '127.0.0.1' }, log, kind);
  } else if (kind === 'stock') {
    const env = { NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: 'true', SUPERGRAPH_PATH: stack.supergraphPath, ROUTER_PRIVATE_KEY: stack.keys.routerPrivate, PORT: String(port) };
    child = spawnProcess(node, [...profile, '--conditions=production', STOCK_GATEWAY_JS], env, log, kind);
  } else {
    const env = { NODE_ENV: 'production', ROUTER_PRIVATE_KEY: stack.keys.routerPrivate, BENCH_SUBGRAPH_URLS: JSON.stringify(stack.subgraphUrls) };
    const bin = join(REPO_ROOT, 'node_modules', '.bin', 'hive-gateway');
    child = spawnProcess(bin, ['supergraph', stack.supergraphPath, '--port', String(port), '--host', '127.0.0.1', '--config-path', 'scripts/bench/hiveGateway.config.ts'], env, log, kind);
  }
  const url = `http://127.0.0.1:${port}/graphql`;
  // Gateways drain in-flight requests first: ten seconds before they are killed.
  const stop = stopper(child, 'SIGTERM', 10_000);
  try {
    await waitServing(url, child, kind);
  } catch (err) {
    await stop();
    throw err;
  }
  return { kind, url, child, stop };
}

/** Resident memory of a process and all its descendants (a cluster counts whole), in bytes. */
export function treeRss(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const c of children) visit(Number(c));
    } catch {
      // the process ended meanwhile
    }
  };
  visit(pid);
  return total;
}
