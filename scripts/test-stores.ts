import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import './vitest-context.js';
import { runDir, startMongo, startRedis } from './stack.js';

/** Starts real Redis and a real MongoDB-compatible server for the test run, and removes them after. */
export default async function setup(project: TestProject) {
  const dir = runDir('shopcart-test-');
  const [redis, mongo] = await Promise.all([startRedis({ dir: join(dir, 'redis'), appendonly: false }), startMongo({ dir: join(dir, 'mongo'), durable: false })]);
  project.provide('mongoUrl', mongo.url);
  project.provide('redisUrl', redis.url);
  project.provide('redisPort', redis.port);
  return async () => {
    await Promise.all([redis.stop(), mongo.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
