import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Distinct operation names that get series of their own, per process; later ones count as "other". */
export const MAX_OPERATION_NAMES = 100;
/** Longer names count as "other" too: a label value is kept in memory for the life of the process. */
const MAX_OPERATION_NAME_LENGTH = 64;

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  operations: Counter<'operation' | 'type' | 'outcome'>;
  operationDuration: Histogram<'operation' | 'type'>;
  /** MongoDB and Redis command latency (see storeMetrics.ts). */
  storeDuration: Histogram<'store' | 'command' | 'outcome'>;
  /**
   * The operation label for a client-chosen name: the name itself for the first
   * MAX_OPERATION_NAMES distinct ones, "other" after. Every new name adds
   * some fifteen series for the life of the process: unbounded, 200 invented
   * names (and 200 unknown paths) took the router from 397 to 6,197 series.
   */
  operationLabel(name: string): string;
}

/** Seconds; HTTP requests and GraphQL operations share them, so the two histograms compare bucket by bucket. */
const REQUEST_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One registry per process, so tests that start several servers do not collide. */
export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations by name, type and outcome (ok, error)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation', 'type'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry],
  });
  const storeDuration = new Histogram({
    name: 'store_command_duration_seconds',
    help: 'MongoDB and Redis command latency by store, command and outcome (ok, error)',
    labelNames: ['store', 'command', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const named = new Set<string>();
  const operationLabel = (name: string) => {
    if (named.has(name)) return name;
    if (named.size >= MAX_OPERATION_NAMES || name.length > MAX_OPERATION_NAME_LENGTH) return 'other';
    named.add(name);
    return name;
  };
  return { registry, httpDuration, operations, operationDuration, storeDuration, operationLabel };
}

/**
 * /metrics on a listener of its own (runService binds it to METRICS_HOST and
 * METRICS_PORT), never on the service port: the series name the operations
 * and routes that exist, and a scrape costs CPU a stranger should not spend.
 */
export function createMetricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Could not collect metrics');
      },
    );
  });
}

/** What only the router measures: its subgraph calls, their circuit breakers, its rate limits. */
export interface RouterMetrics {
  subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  subgraphFetchErrors: Counter<'subgraph' | 'code'>;
  /** 0 closed, 1 half-open (probing), 2 open (failing fast). */
  breakerState: Gauge<'subgraph'>;
  rateLimited: Counter<'scope'>;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  return {
    subgraphFetchDuration: new Histogram({
      name: 'subgraph_fetch_duration_seconds',
      help: 'Latency of the router calls to each subgraph, by outcome (ok, error)',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    subgraphFetchErrors: new Counter({
      name: 'subgraph_fetch_errors_total',
      help: 'Failed router calls to each subgraph, by cause (timeout, connection, http_5xx, http_4xx, breaker_open, deadline, error)',
      labelNames: ['subgraph', 'code'] as const,
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'subgraph_breaker_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 half-open, 2 open',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'rate_limited_total',
      help: 'Operations refused with RATE_LIMITED, by budget (ip, user, auth)',
      labelNames: ['scope'] as const,
      registers: [registry],
    }),
  };
}
