import { configOrExit, metricsPortOf } from './env.js';
import { createLogger, type Logger } from './logger.js';
import { listen, type ShopcartHttpServer } from './http.js';

export interface Runnable {
  http: ShopcartHttpServer;
  /** Closes stores and timers after the HTTP server has drained. */
  close(): Promise<void>;
}

/** What runService reads from a service's env: the base schema's settings and the service's PORT. */
export interface RunEnv {
  PORT: number;
  HOST: string;
  /** METRICS_HOST and METRICS_PORT (unset: PORT + METRICS_PORT_OFFSET). */
  METRICS_HOST: string;
  METRICS_PORT?: number | undefined;
  SHUTDOWN_GRACE_MS: number;
}

/**
 * Listens (the service on HOST:PORT, /metrics on METRICS_HOST:METRICS_PORT) and
 * wires SIGTERM/SIGINT to a graceful stop: readiness goes false, in-flight
 * requests finish (bounded), stores close, exit 0.
 */
export async function runService(options: { name: string; logger: Logger; env: RunEnv; start: () => Promise<Runnable> }): Promise<void> {
  const { logger, env } = options;
  const wantedMetricsPort = configOrExit(() => metricsPortOf(env.PORT, env.METRICS_PORT));
  let service: Runnable;
  try {
    service = await options.start();
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : err }, `${options.name} failed to start`);
    process.exit(1);
  }
  const port = await listen(service.http.server, env.PORT, env.HOST);
  const metricsPort = await listen(service.http.metricsServer, wantedMetricsPort, env.METRICS_HOST);
  logger.info({ port, metrics: `${env.METRICS_HOST}:${metricsPort}` }, `${options.name} listening`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.name} shutting down`);
    try {
      await service.http.shutdown(env.SHUTDOWN_GRACE_MS);
      await service.close();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/**
 * A service's whole entry point (src/index.ts): its configuration, where a
 * bad variable exits with one message naming it, its logger, then runService
 * with what `create` builds.
 */
export async function startService<TEnv extends RunEnv & { LOG_LEVEL: string }>(
  name: string,
  load: () => TEnv,
  create: (env: TEnv, logger: Logger) => Promise<Runnable>,
): Promise<void> {
  const env = configOrExit(load);
  const logger = createLogger(name, env.LOG_LEVEL);
  await runService({ name, logger, env, start: () => create(env, logger) });
}
