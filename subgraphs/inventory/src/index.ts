import { configOrExit, createLogger, runService } from '@shopcart/kit';
import { loadInventoryEnv } from './env.js';
import { createInventoryService, SUBGRAPH_NAME } from './server.js';

const env = configOrExit(() => loadInventoryEnv());
const logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL);
await runService({
  name: SUBGRAPH_NAME,
  logger,
  port: env.PORT,
  host: env.HOST,
  metricsHost: env.METRICS_HOST,
  metricsPort: env.METRICS_PORT,
  graceMs: env.SHUTDOWN_GRACE_MS,
  start: () => createInventoryService(env, logger),
});
