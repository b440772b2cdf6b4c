import mongoose, { type Connection } from 'mongoose';
import type { Logger } from './logger.js';

// Queries must fail, not hang, when the server is gone: callers answer
// SERVICE_UNAVAILABLE instead of holding the request open.
mongoose.set('bufferCommands', false);
mongoose.set('strictQuery', true);

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
  if ((err as { code?: unknown }).code === 11000) return true;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  if (writeErrors !== undefined) {
    const list = [writeErrors].flat();
    if (list.length > 0 && list.every(isDuplicateKey)) return true;
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && message.includes('(SQLSTATE 23505)');
}
