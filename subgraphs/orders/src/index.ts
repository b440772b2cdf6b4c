import { configOrExit, createLogger, runService } from '@shopcart/kit';
import { loadOrdersEnv } from './env.js';
import { createOrdersService, SUBGRAPH_NAME } from './server.js';

const env = configOrExit(() => loadOrdersEnv());
const logger = createLogger(SUBGRAPH_NAME, env.LOG_LEVEL);
await runService({
  name: SUBGRAPH_NAME,
  logger,
  port: env.PORT,
  host: env.HOST,
  metricsHost: env.METRICS_HOST,
  metricsPort: env.METRICS_PORT,
  graceMs: env.SHUTDOWN_GRACE_MS,
  start: () => createOrdersService(env, logger),
});
