import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mongo, type Connection } from 'mongoose';

/**
 * Records each distinct query shape a service sends, so that the test run
 * can explain every one against the store and fail on a full collection
 * scan (scripts/testing/queryPlans.ts). Observing the commands the code really
 * sends, rather than a list kept by hand, means a new query cannot skip the
 * check: the suite exercises it, so the check sees it.
 *
 * A query that reads a whole collection on purpose (a cache filled at
 * start) says so where it is issued, with a comment starting "scan:" and
 * the reason (`.comment('scan: ...')`); the check lists it as such.
 *
 * On only where STORE_QUERY_AUDIT_DIR is set (the test suite sets it).
 */

export interface AuditedQuery {
  db: string;
  collection: string;
  command: string;
  /** Extended JSON of one filter of this shape, values included, to explain. */
  filter: string;
  sort?: string;
  /** The filter with every value replaced by its type: what makes two queries the same. */
  shape: string;
  comment?: string;
  /** The service file that sent it. */
  from?: string;
}

const FILTER_OF: Record<string, (command: mongo.Document) => Array<{ filter: unknown; sort?: unknown }>> = {
  find: (c) => [{ filter: c.filter ?? {}, sort: c.sort }],
  findAndModify: (c) => [{ filter: c.query ?? {}, sort: c.sort }],
  count: (c) => [{ filter: c.query ?? {} }],
  distinct: (c) => [{ filter: c.query ?? {} }],
  update: (c) => ((c.updates ?? []) as mongo.Document[]).map((u) => ({ filter: u.q ?? {} })),
  delete: (c) => ((c.deletes ?? []) as mongo.Document[]).map((d) => ({ filter: d.q ?? {} })),
  aggregate: (c) => {
    const first = (c.pipeline as mongo.Document[] | undefined)?.[0];
    return [{ filter: first?.$match ?? {} }];
  },
};

/** A value's shape: objects keep their keys (operators included), everything else becomes its type. */
export function shapeOf(value: unknown): unknown {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp || value instanceof mongo.BSON.BSONRegExp) return 'regex';
  if (typeof value === 'object') {
    const bsonType = (value as { _bsontype?: string })._bsontype;
    if (bsonType) return bsonType;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}

/**
 * The file that issued the command: the first frame of the caller's
 * (async) stack outside the driver, mongoose and this kit's store helpers.
 * Tests read and write through the services' connections too; their own
 * queries are not the services' and are left out.
 */
function issuer(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    if (line.includes('node_modules') || line.includes('node:') || /kit\/src\/(queryAudit|mongo)\.ts/.test(line)) continue;
    const file = /((?:subgraphs|router|scripts)\/[\w.-]+(?:\/[\w.-]+)*\.ts)/.exec(line)?.[1];
    if (file) return file;
  }
  return undefined;
}

// A command whose stack names no file of ours (a cursor's later batches) is kept: better checked twice than missed.
const isTestCode = (file: string | undefined) => file !== undefined && /\/test\/|^scripts\//.test(file);

export function auditQueries(connection: Connection, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${process.pid}.jsonl`);
  const seen = new Set<string>();
  connection.getClient().on('commandStarted', (event) => {
    const extract = FILTER_OF[event.commandName];
    if (!extract) return;
    const collection = event.command[event.commandName];
    if (typeof collection !== 'string') return;
    const from = issuer();
    if (isTestCode(from)) return;
    const comment = typeof event.command.comment === 'string' ? event.command.comment : undefined;
    for (const { filter, sort } of extract(event.command)) {
      const shape = JSON.stringify(shapeOf(filter));
      const sortText = sort === undefined ? undefined : JSON.stringify(sort);
      const key = `${collection}\u0000${event.commandName}\u0000${shape}\u0000${sortText ?? ''}\u0000${comment ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const entry: AuditedQuery = { db: event.databaseName, collection, command: event.commandName, filter: mongo.BSON.EJSON.stringify(filter as mongo.Document), sort: sortText, shape, comment, from };
      appendFileSync(file, `${JSON.stringify(entry)}\n`);
    }
  });
}
