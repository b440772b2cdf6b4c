import mongoose, { type Connection, type Model, type Schema } from 'mongoose';
import type { Logger } from './logger.js';
import { auditQueries } from './queryAudit.js';

// Queries must fail, not hang, when the server is gone: callers answer
// SERVICE_UNAVAILABLE instead of holding the request open.
mongoose.set('bufferCommands', false);
mongoose.set('strictQuery', true);
// Mongoose captures a stack trace for every query it runs, only to decorate
// the error of a query run twice (which we never do): on a checkout that was
// 1 to 1.5% of the orders and payments processes' busy CPU.
mongoose.set('skipOriginalStackTraces', true);

export interface MongoOptions {
  url: string;
  dbName: string;
  logger: Logger;
  /** Kept for configuration compatibility: commands are always monitored now (store latency metrics). */
  monitorCommands?: boolean;
}

export async function connectMongo({ url, dbName, logger }: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 30_000,
    maxPoolSize: 20,
    // Command events feed the store latency metrics and the tests that count round trips.
    monitorCommands: true,
    autoIndex: true,
  });
  const auditDir = process.env.STORE_QUERY_AUDIT_DIR;
  if (auditDir) auditQueries(connection, auditDir);
  connection.on('disconnected', () => logger.warn({ dbName }, 'mongodb disconnected'));
  connection.on('reconnected', () => logger.info({ dbName }, 'mongodb reconnected'));
  await connection.asPromise();
  return connection;
}

export async function pingMongo(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.admin().ping();
    return true;
  } catch {
    return false;
  }
}

/**
 * A write refused by a unique index: someone else wrote that key first.
 * MongoDB answers code 11000 (also inside a bulk write's writeErrors);
 * FerretDB v1 answers 11000 for inserts, but a unique index violated by an
 * update comes back as a generic error carrying PostgreSQL's SQLSTATE 23505.
 */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  // A bulk write's own code is its first write error's: every one must be a duplicate.
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  if (writeErrors !== undefined) {
    const list = [writeErrors].flat();
    if (list.length > 0) return list.every(isDuplicateKey);
  }
  if ((err as { code?: unknown }).code === 11000) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && message.includes('(SQLSTATE 23505)');
}

const ferretDb = new WeakMap<Connection, Promise<boolean>>();

/** Whether the server behind a connection is FerretDB (it says so in buildInfo); asked once per connection. */
export function isFerretDb(connection: Connection): Promise<boolean> {
  let known = ferretDb.get(connection);
  if (!known) {
    known = connection
      .getClient()
      .db('admin')
      .command({ buildInfo: 1 })
      .then((info) => typeof info.ferretdbVersion === 'string');
    ferretDb.set(connection, known);
    known.catch(() => ferretDb.delete(connection));
  }
  return known;
}

export interface FindInOptions {
  /** The rest of the filter, the same for every value. */
  filter?: Record<string, unknown>;
  projection?: Record<string, 0 | 1>;
  /** At most this many documents in all (no order is implied). */
  limit?: number;
}

/**
 * Documents whose `field` equals one of `values` (lean), in no particular order.
 *
 * Why not always `$in`: MongoDB answers it from the field's index, but
 * FerretDB v1 pushes no `$in` down and reads the whole collection for it
 * (1.9 s among 100,000 stock documents), while it answers an equality from
 * the index in under a millisecond. So on FerretDB this asks one equality
 * per distinct value, in parallel.
 */
export async function findIn<T>(model: Model<any>, field: string, values: readonly unknown[], options: FindInOptions = {}): Promise<T[]> {
  const distinct = [...new Map(values.map((value) => [String(value), value])).values()];
  if (distinct.length === 0) return [];
  const { filter = {}, projection, limit } = options;
  const find = (match: unknown) => {
    const query = model.find({ ...filter, [field]: match }, projection).lean<T[]>();
    return limit === undefined ? query : query.limit(limit);
  };
  if (distinct.length === 1 || !(await isFerretDb(model.db))) return find(distinct.length === 1 ? distinct[0] : { $in: distinct });
  // One document can match several values (an array field): each is returned once
  // (by _id; a projection without _id keeps every answer).
  const all = (await Promise.all(distinct.map(find))).flat();
  const found = [...new Map(all.map((doc, i) => [(doc as { _id?: unknown })._id === undefined ? i : String((doc as { _id?: unknown })._id), doc])).values()];
  return limit === undefined ? found : found.slice(0, limit);
}

/**
 * A schema plugin for documents that several processes may update at once
 * with conditional writes (stock levels, reservations): every update raises
 * the document's `_rev`. On MongoDB that costs nothing and changes nothing,
 * since it isolates each single-document update. On the embedded store
 * (FerretDB v1, which reads, then writes, without isolation) the store
 * refuses an update that does not raise `_rev` above the stored one
 * (scripts/stack/embedded-store.sql), so of two concurrent writers the second
 * fails instead of undoing the first; retryOnConflict runs it again.
 */
export function revisioned(schema: Schema): void {
  schema.add({ _rev: { type: Number, default: 0 } });
  schema.pre(['updateOne', 'updateMany', 'findOneAndUpdate'], function bumpRevision() {
    const update = this.getUpdate();
    if (!update || Array.isArray(update)) return;
    const inc = (update as { $inc?: Record<string, number> }).$inc ?? {};
    this.setUpdate({ ...update, $inc: { ...inc, _rev: 1 } });
  });
}

/** The embedded store refused a write computed from a document another writer has changed since (revisioned). */
export function isWriteConflict(err: unknown): boolean {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message.includes('shopcart_write_conflict');
}

/**
 * Runs a conditional write again while the store refuses it as a write
 * conflict: each attempt reads the document anew and checks its condition
 * against what the other writer left. Backs off a little, with jitter, so
 * that writers taking turns on a hot document do not collide in lockstep.
 */
export async function retryOnConflict<T>(write: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (err) {
      if (!isWriteConflict(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 * attempt, 20)));
    }
  }
}
