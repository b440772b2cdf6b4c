import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Starts the stores Shopcart needs on this machine: Redis (AOF) and a
 * MongoDB wire-compatible server (mongod when installed, else FerretDB v1 on
 * SQLite). Used by `npm start`, by the test suite and by the benchmarks.
 */

export interface StoreProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms`);
}

function which(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

export function toolsDir(): string {
  return process.env.SHOPCART_TOOLS_DIR ?? join(homedir(), '.cache', 'shopcart', 'bin');
}

export function findMongoServer(): { kind: 'mongod' | 'ferretdb'; path: string } {
  const mongod = which('mongod');
  if (mongod) return { kind: 'mongod', path: mongod };
  const ferret = which('ferretdb') ?? (existsSync(join(toolsDir(), 'ferretdb')) ? join(toolsDir(), 'ferretdb') : null);
  if (ferret) return { kind: 'ferretdb', path: ferret };
  throw new Error('No mongod or ferretdb found: run scripts/install-tools.sh');
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

function pipeTo(child: ChildProcess, label: string, verbose: boolean): void {
  const out = (chunk: Buffer) => {
    if (verbose) process.stderr.write(`[${label}] ${chunk.toString()}`);
  };
  child.stdout?.on('data', out);
  child.stderr?.on('data', out);
}

export async function startRedis(options: { dir: string; port?: number; appendonly?: boolean; verbose?: boolean }): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dir, '--save', '', '--daemonize', 'no'];
  if (options.appendonly ?? true) args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  else args.push('--appendonly', 'no');
  const child = spawn(which('redis-server') ?? '/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeTo(child, 'redis', options.verbose ?? false);
  await waitForPort(port, child, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}

export async function startMongo(options: { dir: string; port?: number; verbose?: boolean }): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const server = findMongoServer();
  const args =
    server.kind === 'mongod'
      ? ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', options.dir, '--quiet']
      : [
          '--handler=sqlite',
          `--sqlite-url=file:${options.dir}/`,
          `--listen-addr=127.0.0.1:${port}`,
          `--state-dir=${options.dir}`,
          '--telemetry=disable',
          '--debug-addr=-',
          '--log-level=warn',
        ];
  const child = spawn(server.path, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.dir });
  pipeTo(child, server.kind, options.verbose ?? false);
  await waitForPort(port, child, server.kind);
  return { url: `mongodb://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}
