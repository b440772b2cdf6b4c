import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Starting Shopcart services as their own processes, as they deploy: used by `npm start` and the benchmarks. */

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

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
  options: { compiled?: boolean } = {},
): ServiceProcess {
  const args = options.compiled ? ['--conditions=production', compiledEntryOf(name)] : ['--import', 'tsx', entryOf(name)];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

export function stopService(service: ServiceProcess, graceMs = 15_000): Promise<void> {
  const { child } = service;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
