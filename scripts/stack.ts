import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Starts the stores Shopcart needs on this machine: Redis (AOF) and a
 * MongoDB wire-compatible server (mongod when installed, else FerretDB v1 on
 * PostgreSQL). Used by `npm start`, by the test suite and by the benchmarks.
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

/**
 * A new folder for one run's stores, removed by the caller. Others may enter
 * it (not list it): PostgreSQL, under the embedded store, runs as its own
 * account when the caller is root.
 */
export function runDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o711);
  return dir;
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

/** Forwards a store's output when verbose; keeps its last lines either way, for the error when it fails to start. */
function pipeTo(child: ChildProcess, label: string, verbose: boolean): () => string {
  let tail = '';
  const out = (chunk: Buffer) => {
    if (verbose) process.stderr.write(`[${label}] ${chunk.toString()}`);
    tail = (tail + chunk.toString()).slice(-2_000);
  };
  child.stdout?.on('data', out);
  child.stderr?.on('data', out);
  return () => tail.trim();
}

// A store outlives a crashed parent unless told otherwise: whatever exit
// the process takes short of SIGKILL, the stores it started go with it.
// (PostgreSQL takes SIGQUIT, its immediate shutdown, which also ends its backends.)
const running = new Map<ChildProcess, NodeJS.Signals>();
process.once('exit', () => {
  for (const [child, signal] of running) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
});
function track(child: ChildProcess, lastSignal: NodeJS.Signals = 'SIGKILL'): ChildProcess {
  running.set(child, lastSignal);
  child.once('exit', () => running.delete(child));
  return child;
}

export interface RedisOptions {
  dir: string;
  port?: number;
  appendonly?: boolean;
  verbose?: boolean;
  /** A memory limit and what happens at it: state never evicts (the default); a cache evicts least recently used keys. */
  maxmemory?: string;
  policy?: 'noeviction' | 'allkeys-lru';
}

export async function startRedis(options: RedisOptions): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dir, '--save', '', '--daemonize', 'no'];
  if (options.appendonly ?? true) args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  else args.push('--appendonly', 'no');
  args.push('--maxmemory-policy', options.policy ?? 'noeviction');
  if (options.maxmemory) args.push('--maxmemory', options.maxmemory);
  const child = track(spawn(which('redis-server') ?? '/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  pipeTo(child, 'redis', options.verbose ?? false);
  await waitForPort(port, child, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}

export interface MongoOptions {
  /** Everything the server keeps: mongod's dbpath, or PostgreSQL's cluster and FerretDB's state. */
  dir: string;
  port?: number;
  verbose?: boolean;
  /**
   * False for stores that live as long as one test run: PostgreSQL skips
   * fsync. `npm start` and the benchmarks keep the default, so their
   * figures are those of a store whose data survives a power cut.
   */
  durable?: boolean;
  /**
   * PostgreSQL takes an index whenever one can answer the filter, however
   * small the table (enable_seqscan=off): the test run's store, where a
   * sequential scan left in a plan then means that no index can.
   */
  preferIndexes?: boolean;
}

/**
 * A MongoDB wire-compatible server: mongod where one is installed, else
 * FerretDB v1 in front of a PostgreSQL cluster of its own (see
 * startFerretDb below for why PostgreSQL and not SQLite).
 */
export async function startMongo(options: MongoOptions): Promise<StoreProcess> {
  mkdirSync(options.dir, { recursive: true });
  const server = findMongoServer();
  if (server.kind === 'ferretdb') return startFerretDb(server.path, options);
  const port = options.port ?? (await freePort());
  const child = track(spawn(server.path, ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', options.dir, '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.dir,
  }));
  pipeTo(child, 'mongod', options.verbose ?? false);
  await waitForPort(port, child, 'mongod');
  return { url: `mongodb://127.0.0.1:${port}`, port, child, stop: stopper(child) };
}

const run = promisify(execFile);

/** Debian's PostgreSQL server programs (initdb, postgres, psql), newest major version first. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', 'postgres'))) return join(root, version, 'bin');
  const onPath = which('postgres');
  if (onPath) return dirname(onPath);
  throw new Error("No PostgreSQL server found for the embedded store: run scripts/install-tools.sh (Debian's postgresql)");
}

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` account Debian's package creates. */
function postgresAccount(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) throw new Error("PostgreSQL refuses to run as root and this machine has no postgres account: install Debian's postgresql (scripts/install-tools.sh)");
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The cluster's folder must be reachable by the account PostgreSQL runs as; say which folder is not, rather than let initdb fail obscurely. */
function assertReachable(dir: string, account: { uid: number } | null): void {
  if (!account) return;
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    const { mode, uid } = statSync(parent);
    if (uid !== account.uid && (mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres account, which cannot enter ${parent} (mode ${(mode & 0o777).toString(8)}). ` +
          `Set SHOPCART_DATA_DIR to a folder it can reach, or allow it: chmod o+x ${parent}`,
      );
    }
  }
}

async function psql(binDir: string, port: number, args: string[]): Promise<string> {
  const { stdout } = await run(join(binDir, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '2' },
  });
  return stdout;
}

async function waitForPostgres(binDir: string, port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
    try {
      await psql(binDir, port, ['-Atc', 'select 1']);
      return;
    } catch (err) {
      // "the database system is starting up", or not listening yet.
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections on port ${port} within ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * A PostgreSQL cluster in `dir` (created on first use) with FerretDB v1 in
 * front of it.
 *
 * Why PostgreSQL: FerretDB's SQLite backend pushes no filter down, so every
 * lookup that is not answered by the first rows reads the whole collection
 * (640 ms for one SKU among 6,000). On PostgreSQL equality filters reach the
 * database, and embedded-store.sql gives them the indexes they need.
 */
async function startFerretDb(ferretdb: string, options: MongoOptions): Promise<StoreProcess> {
  const durable = options.durable ?? true;
  const verbose = options.verbose ?? false;
  const binDir = postgresBinDir();
  const account = postgresAccount();
  const clusterDir = join(options.dir, 'postgres');
  const stateDir = join(options.dir, 'ferretdb');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  assertReachable(clusterDir, account);
  if (account) chownSync(clusterDir, account.uid, account.gid);
  const asAccount = { ...(account ?? {}), cwd: clusterDir, env: { PATH: process.env.PATH ?? '', LANG: 'C', LC_ALL: 'C' } };

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    const initArgs = ['-D', clusterDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale'];
    if (!durable) initArgs.push('--no-sync');
    await run(join(binDir, 'initdb'), initArgs, asAccount).catch((err: Error & { stderr?: string }) => {
      throw new Error(`initdb failed for ${clusterDir}: ${err.stderr?.trim() || err.message}`);
    });
  }

  const pgPort = Number(process.env.SHOPCART_POSTGRES_PORT ?? 0) || (await freePort());
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    // TCP only: a socket path inside a deep checkout can exceed the 107-byte limit.
    unix_socket_directories: '',
    // Every service keeps a pool, and FerretDB one per client connection.
    max_connections: 300,
    shared_buffers: '128MB',
    // FerretDB names fields through parameters (`_jsonb -> $1`): only a
    // plan made for the actual field name can use that field's index.
    plan_cache_mode: 'force_custom_plan',
    log_min_messages: 'warning',
    // A commit is acknowledged before its WAL reaches the disk, which is then
    // flushed within a few hundred milliseconds: what MongoDB's default write
    // concern does (acknowledged before the journal's 100 ms commit). A crash
    // of the machine may lose that last moment; no crash corrupts anything.
    synchronous_commit: 'off',
    wal_writer_delay: '100ms',
    ...(durable ? {} : { fsync: 'off', full_page_writes: 'off' }),
    ...(options.preferIndexes ? { enable_seqscan: 'off' } : {}),
  };
  const pgArgs = ['-D', clusterDir, '-p', String(pgPort), ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const postgres = track(spawn(join(binDir, 'postgres'), pgArgs, { ...asAccount, stdio: ['ignore', 'pipe', 'pipe'] }), 'SIGQUIT');
  const postgresOutput = pipeTo(postgres, 'postgres', verbose);
  // Fast shutdown (SIGINT): PostgreSQL's default one waits for every client to leave.
  const stopPostgres = stopper(postgres, 'SIGINT');
  try {
    await waitForPostgres(binDir, pgPort, postgres);
    await psql(binDir, pgPort, ['-f', fileURLToPath(new URL('./embedded-store.sql', import.meta.url))]);
  } catch (err) {
    await stopPostgres();
    throw new Error(`${(err as Error).message}\n${postgresOutput()}`);
  }

  const port = options.port ?? (await freePort());
  const args = [
    '--handler=pg',
    `--postgresql-url=postgres://postgres@127.0.0.1:${pgPort}/postgres`,
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${stateDir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=warn',
  ];
  const child = track(spawn(ferretdb, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: stateDir }));
  const ferretOutput = pipeTo(child, 'ferretdb', verbose);
  try {
    await waitForPort(port, child, 'ferretdb');
  } catch (err) {
    await stopper(child)();
    await stopPostgres();
    throw new Error(`${(err as Error).message}\n${ferretOutput()}`);
  }
  const stopFerret = stopper(child);
  // One store, two processes: when either dies the other goes too, so whoever
  // watches `child` (npm start's supervisor) sees the store die and can start it whole.
  let stopping = false;
  postgres.once('exit', () => stopping || child.kill('SIGKILL'));
  child.once('exit', () => stopping || void stopPostgres());
  return {
    url: `mongodb://127.0.0.1:${port}`,
    port,
    child,
    async stop() {
      stopping = true;
      await stopFerret();
      await stopPostgres();
    },
  };
}
