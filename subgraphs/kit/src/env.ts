import { z } from 'zod';

/** Settings every Shopcart process reads; services extend this schema. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  /** Largest accepted request body, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1_000_000),
  /** Bounded time to finish in-flight requests on SIGTERM. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * /metrics is served on a listener of its own, never on PORT. Loopback by default; where
   * Prometheus scrapes from another host or container, set 0.0.0.0 and let only the scraper
   * reach METRICS_PORT (expose it on the internal network, never publish it).
   */
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** Default: PORT + METRICS_PORT_OFFSET (router 5000, users 5001, ...); 0 picks a free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

export const METRICS_PORT_OFFSET = 1000;

export class EnvError extends Error {
  override name = 'EnvError';
}

/**
 * Parses process.env (or a given record) with a zod schema and fails with one
 * message that names every bad variable, so a misconfigured deploy stops at
 * start-up instead of at the first request.
 */
export function loadEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Production must never run on the development defaults (keys, passwords)
 * that make `npm start` work out of the box.
 */
export function refuseDevelopmentDefaults(
  env: { NODE_ENV: string },
  checks: Array<[name: string, value: string | undefined, devDefault: string | undefined]>,
): void {
  if (env.NODE_ENV !== 'production') return;
  const bad = checks.filter(([, value, devDefault]) => !value || (devDefault !== undefined && value === devDefault)).map(([name]) => name);
  if (bad.length > 0) {
    throw new EnvError(`Invalid configuration:\n${bad.map((n) => `  ${n}: must be set to a non-default value in production`).join('\n')}`);
  }
}

/** The port /metrics listens on: METRICS_PORT, else the service port + METRICS_PORT_OFFSET. */
export function metricsPortOf(servicePort: number, metricsPort: number | undefined): number {
  const port = metricsPort ?? (servicePort === 0 ? 0 : servicePort + METRICS_PORT_OFFSET);
  if (port > 65535) {
    throw new EnvError(`Invalid configuration:\n  METRICS_PORT: must be set when PORT is above ${65535 - METRICS_PORT_OFFSET} (the default is PORT + ${METRICS_PORT_OFFSET})`);
  }
  if (port !== 0 && port === servicePort) throw new EnvError('Invalid configuration:\n  METRICS_PORT: must differ from PORT; metrics are never served on the public port');
  return port;
}

/** A flag spelled exactly 'true' or 'false': a typo (yes, 1, TRUE) is refused by name instead of read as false. */
export const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** PEM keys travel through env files with literal "\n"; accept both forms. */
export const pemString = z
  .string()
  .min(1)
  .transform((value) => value.replace(/\\n/g, '\n'));

/** Entry points call this so a bad variable prints one clear message, not a stack. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
