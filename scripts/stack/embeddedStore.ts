import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.js';
import { outputTail, stopper, track, which } from './processes.js';
import type { MongoOptions, StoreProcess } from './stores.js';

/**
 * The embedded MongoDB-compatible store, where no mongod is installed:
 * FerretDB v1 in front of a PostgreSQL cluster of its own.
 */

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
export async function startFerretDb(ferretdb: string, options: MongoOptions): Promise<StoreProcess> {
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
  const postgresOutput = outputTail(postgres, 'postgres', verbose);
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
  const ferretOutput = outputTail(child, 'ferretdb', verbose);
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
