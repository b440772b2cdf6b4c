import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runDir, startStores } from '@shopcart/stack';
import type { TestProject } from 'vitest/node';
import { explainAll, readAudit, renderVerdicts } from './queryPlans.js';
import './vitest-context.js';

/**
 * Starts real Redis and a real MongoDB-compatible server for the test run,
 * and removes them after. Before removing them, explains every query shape
 * the services sent during the run and fails the run on any that reads a
 * whole collection (queryPlans.ts); the verdicts go to .data/query-plans.txt.
 */
export default async function setup(project: TestProject) {
  const dir = runDir('shopcart-test-');
  const auditDir = join(dir, 'queries');
  // Inherited by the test workers and the service processes they start.
  process.env.STORE_QUERY_AUDIT_DIR = auditDir;
  // Stores that live as long as the run: no fsync, no append-only file; indexes wherever they can answer.
  const stores = await startStores({ dir: join(dir, 'stores'), appendonly: false, durable: false, preferIndexes: true });
  project.provide('mongoUrl', stores.mongoUrl);
  project.provide('redisUrl', stores.redisUrl);
  project.provide('redisPort', Number(new URL(stores.redisUrl).port));
  return async () => {
    try {
      const verdicts = await explainAll(stores.mongoUrl, readAudit(auditDir));
      const report = renderVerdicts(verdicts);
      mkdirSync(join(REPO_ROOT, '.data'), { recursive: true });
      writeFileSync(join(REPO_ROOT, '.data', 'query-plans.txt'), report);
      const scans = verdicts.filter((v) => v.verdict === 'scan');
      if (scans.length > 0) {
        throw new Error(`${scans.length} query shapes read a whole collection (all verdicts in .data/query-plans.txt):\n${renderVerdicts(scans)}`);
      }
    } finally {
      await stores.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
