import { configOrExit, createLogger, runService } from '@shopcart/kit';
import { loadRouterEnv } from './env.js';
import { createRouter } from './server.js';

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const env = configOrExit(() => loadRouterEnv());
const logger = createLogger('router', env.LOG_LEVEL);
await runService({
  name: 'router',
  logger,
  port: env.PORT,
  host: env.HOST,
  metricsHost: env.METRICS_HOST,
  metricsPort: env.METRICS_PORT,
  graceMs: env.SHUTDOWN_GRACE_MS,
  start: () => createRouter(env, logger),
});
