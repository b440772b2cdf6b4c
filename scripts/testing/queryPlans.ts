import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditedQuery } from '@shopcart/kit';
import { mongo } from 'mongoose';

/**
 * Explains every query shape the services sent during a test run (recorded
 * by the kit's query audit) against the store that served them, and lists
 * those answered by reading the whole collection.
 *
 * Full scan means: on MongoDB a COLLSCAN in the winning plan; on FerretDB a
 * filter it does not push down to PostgreSQL, or a sequential scan in
 * PostgreSQL's plan. The test cluster runs with enable_seqscan=off, so
 * PostgreSQL takes any index that can answer the filter even on the tiny
 * tables of a test run: a sequential scan left in a plan means no index can.
 */

export interface PlanVerdict {
  query: AuditedQuery;
  /** "index", "scan", or "scan (declared)" for a query whose comment says why it reads everything. */
  verdict: 'index' | 'scan' | 'declared scan';
  detail: string;
}

export function readAudit(dir: string): AuditedQuery[] {
  if (!existsSync(dir)) return [];
  const byShape = new Map<string, AuditedQuery>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const query = JSON.parse(line) as AuditedQuery;
      // The same query from another test's databases is the same query.
      byShape.set([query.collection, query.command, query.shape, query.sort ?? '', query.comment ?? ''].join('\u0000'), query);
    }
  }
  return [...byShape.values()].sort((a, b) => `${a.db}.${a.collection}`.localeCompare(`${b.db}.${b.collection}`) || a.shape.localeCompare(b.shape));
}

function planText(explained: mongo.Document): string {
  return JSON.stringify(explained.queryPlanner ?? explained);
}

export function verdictOf(explained: mongo.Document): { scan: boolean; detail: string } {
  const plan = planText(explained);
  if ('ferretdbVersion' in (explained.serverInfo ?? {})) {
    if (explained.filterPushdown !== true) return { scan: true, detail: 'FerretDB pushes no part of this filter down' };
    const scan = /"Node Type":"Seq Scan"/.test(plan);
    const index = /"Index Name":"([^"]+)"/.exec(plan)?.[1];
    return { scan, detail: scan ? 'PostgreSQL: sequential scan' : `PostgreSQL: ${index ?? 'index'}` };
  }
  const scan = /"stage":"COLLSCAN"/.test(plan);
  const index = /"indexName":"([^"]+)"/.exec(plan)?.[1];
  return { scan, detail: scan ? 'MongoDB: COLLSCAN' : `MongoDB: ${index ?? 'index'}` };
}

export async function explainAll(mongoUrl: string, queries: AuditedQuery[]): Promise<PlanVerdict[]> {
  const client = await new mongo.MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 }).connect();
  try {
    const verdicts: PlanVerdict[] = [];
    for (const query of queries) {
      const filter = mongo.BSON.EJSON.parse(query.filter) as mongo.Document;
      const find: mongo.Document = { find: query.collection, filter };
      if (query.sort) find.sort = JSON.parse(query.sort);
      const explained = await client.db(query.db).command({ explain: find, verbosity: 'queryPlanner' });
      const { scan, detail } = verdictOf(explained);
      verdicts.push({ query, verdict: !scan ? 'index' : query.comment?.startsWith('scan:') ? 'declared scan' : 'scan', detail });
    }
    return verdicts;
  } finally {
    await client.close();
  }
}

export function renderVerdicts(verdicts: PlanVerdict[]): string {
  const rows = verdicts.map(({ query, verdict, detail }) => `${verdict.padEnd(13)} ${query.collection}.${query.command} ${query.shape}${query.sort ? ` sort ${query.sort}` : ''} — ${verdict === 'declared scan' ? query.comment : detail}${query.from ? ` (${query.from})` : ''}`);
  const scans = verdicts.filter((v) => v.verdict === 'scan').length;
  return `${rows.join('\n')}\nquery plans: ${verdicts.length} shapes, ${scans} full scans, ${verdicts.filter((v) => v.verdict === 'declared scan').length} declared scans\n`;
}
