import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Child processes of a stack: Shopcart services started as they deploy, and stopping any child. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A program on PATH, or null. */
export function which(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Asks a process to stop with `signal`, and kills it if it is still there after `graceMs`. */
export function stopper(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
}

// A child outlives a crashed parent unless told otherwise: whatever exit the
// process takes short of SIGKILL (an error, Ctrl-C while a stack starts), the
// stores and services it started go with it. PostgreSQL takes SIGQUIT, its
// immediate shutdown, which also ends its backends; a stopped (SIGSTOP)
// service must be resumed to act on its signal. One list and one exit hook
// per process, however many times this module is loaded (a test runner
// loads it afresh for every test file).
const CHILDREN = Symbol.for('shopcart.stack.children');
const holder = globalThis as { [CHILDREN]?: Map<ChildProcess, NodeJS.Signals> };
const children = holder[CHILDREN] ?? endedWithThisProcess((holder[CHILDREN] = new Map()));

function endedWithThisProcess(list: Map<ChildProcess, NodeJS.Signals>): Map<ChildProcess, NodeJS.Signals> {
  process.once('exit', () => {
    for (const [child, signal] of list) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill(signal);
      if (signal !== 'SIGKILL') child.kill('SIGCONT');
    }
  });
  return list;
}

/** Ends `child` with `lastSignal` when this process exits before it. */
export function track(child: ChildProcess, lastSignal: NodeJS.Signals = 'SIGKILL'): ChildProcess {
  children.set(child, lastSignal);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Forwards a store's output when verbose; keeps its last lines either way, for the error when it fails to start. */
export function outputTail(child: ChildProcess, label: string, verbose: boolean): () => string {
  let tail = '';
  const out = (chunk: Buffer) => {
    if (verbose) process.stderr.write(`[${label}] ${chunk.toString()}`);
    tail = (tail + chunk.toString()).slice(-2_000);
  };
  child.stdout?.on('data', out);
  child.stderr?.on('data', out);
  return () => tail.trim();
}

export interface ServiceProcess {
  name: string;
  port: number;
  child: ChildProcess;
}

export function entryOf(name: string): string {
  return name === 'router' ? 'router/src/index.ts' : `subgraphs/${name}/src/index.ts`;
}

/** A service's compiled entry (`npm run build`), run with `--conditions=production` as its image runs it. */
export function compiledEntryOf(name: string): string {
  return name === 'router' ? 'router/dist/index.js' : `subgraphs/${name}/dist/index.js`;
}

export function spawnService(
  name: string,
  port: number,
  env: Record<string, string>,
  output: ((line: string) => void) | null,
  options: { compiled?: boolean; nodeArgs?: string[] } = {},
): ServiceProcess {
  // Node refuses some flags in NODE_OPTIONS (--cpu-prof among them): they go on the command line.
  const entry = options.compiled ? ['--conditions=production', compiledEntryOf(name)] : ['--import', 'tsx', entryOf(name)];
  const args = [...(options.nodeArgs ?? []), ...entry];
  const child = track(
    spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    'SIGTERM',
  );
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    const lines = createInterface({ input: stream });
    if (output) lines.on('line', (line) => output(`[${name}] ${line}`));
  }
  return { name, port, child };
}

export async function waitReady(service: ServiceProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited with code ${service.child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/ready`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${service.name} was not ready on port ${service.port} within ${timeoutMs / 1000}s`);
}

/** SIGTERM, which every service answers by draining and exiting; SIGKILL after `graceMs`. */
export function stopService(service: ServiceProcess, graceMs = 15_000): Promise<void> {
  return stopper(service.child, 'SIGTERM', graceMs)();
}
