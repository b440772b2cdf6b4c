import { configOrExit, metricsPortOf } from './env.js';
import type { Logger } from './logger.js';
import { listen, type ShopcartHttpServer } from './http.js';

export interface Runnable {
  http: ShopcartHttpServer;
  /** Closes stores and timers after the HTTP server has drained. */
  close(): Promise<void>;
}

/**
 * Listens (the service on host:port, /metrics on metricsHost:metricsPort) and
 * wires SIGTERM/SIGINT to a graceful stop: readiness goes false, in-flight
 * requests finish (bounded), stores close, exit 0.
 */
export async function runService(options: {
  name: string;
  logger: Logger;
  port: number;
  host: string;
  /** METRICS_HOST and METRICS_PORT (unset: port + METRICS_PORT_OFFSET). */
  metricsHost: string;
  metricsPort?: number;
  graceMs: number;
  start: () => Promise<Runnable>;
}): Promise<void> {
  const { logger } = options;
  const wantedMetricsPort = configOrExit(() => metricsPortOf(options.port, options.metricsPort));
  let service: Runnable;
  try {
    service = await options.start();
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : err }, `${options.name} failed to start`);
    process.exit(1);
  }
  const port = await listen(service.http.server, options.port, options.host);
  const metricsPort = await listen(service.http.metricsServer, wantedMetricsPort, options.metricsHost);
  logger.info({ port, metrics: `${options.metricsHost}:${metricsPort}` }, `${options.name} listening`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.name} shutting down`);
    try {
      await service.http.shutdown(options.graceMs);
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
