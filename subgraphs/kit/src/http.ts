import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import cors from 'cors';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { Logger } from './logger.js';
import { createMetricsServer, type Metrics } from './metrics.js';

export interface RequestInfo {
  req: IncomingMessage;
  requestId: string;
  /** W3C trace context, passed on unchanged to downstream calls. */
  traceparent: string | null;
  logger: Logger;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean | string>;
}

export interface HttpServerOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  context: (info: RequestInfo) => Promise<TContext>;
  logger: Logger;
  metrics: Metrics;
  readiness: () => Promise<Readiness>;
  maxBodyBytes: number;
  graphqlPath?: string;
  /** Browser origins allowed to call cross-origin; none = same origin only. */
  corsOrigins?: string[];
  /** Extra routes (e.g. a JWKS document), answered before GraphQL. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
}

export interface ShopcartHttpServer {
  server: Server;
  /** GET /metrics only, for the listener on METRICS_HOST:METRICS_PORT; the public server has no /metrics. */
  metricsServer: Server;
  /** Readiness turns false first, then in-flight requests finish (bounded), then the server closes. */
  shutdown(graceMs: number): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, 'Request body too large'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function requestIdOf(req: IncomingMessage): { requestId: string; traceparent: string | null } {
  const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : null;
  const fromTrace = traceparent ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent)?.[1] : undefined;
  const header = req.headers['x-request-id'];
  const given = typeof header === 'string' && /^[\w.-]{1,128}$/.test(header) ? header : undefined;
  return { requestId: fromTrace ?? given ?? randomUUID(), traceparent };
}

/** Methods the server answers; anything else a client sends is labelled "other". */
const LABELLED_METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);

/**
 * One small HTTP server for every Shopcart process: /graphql through Apollo's
 * HTTP integration API, plus /health and /ready (and a second server with
 * /metrics only). It caps the body, answers malformed JSON with 400, and tags
 * every log line with a request id.
 */
export function createHttpServer<TContext extends BaseContext>(options: HttpServerOptions<TContext>): ShopcartHttpServer {
  const { apollo, logger, metrics, maxBodyBytes } = options;
  const graphqlPath = options.graphqlPath ?? '/graphql';
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | null = null;
  const corsOrigins = options.corsOrigins ?? [];
  const applyCors = corsOrigins.length
    ? cors({ origin: corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'traceparent', 'x-request-id'], exposedHeaders: ['x-request-id', 'retry-after'], maxAge: 600 })
    : null;

  // Route labels come from this server's own routes, never from the path a client sent:
  // each unknown path used to add a latency histogram to every scrape.
  const routeLabels = new Map<string, string>([
    [graphqlPath, 'graphql'],
    ['/health', '/health'],
    ['/ready', '/ready'],
    ...Object.keys(options.routes ?? {}).map((path): [string, string] => [path, path]),
  ]);

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeLabels.get(url.pathname) ?? 'other';
    const method = req.method && LABELLED_METHODS.has(req.method) ? req.method : 'other';
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpDuration.observe({ route, method, status: String(res.statusCode) }, seconds);
      if (draining && inFlight === 0) idle?.();
    });
    handle(req, res, url).catch((err: unknown) => {
      logger.error({ err }, 'unhandled request failure');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });
  // Slow-loris protection; keep-alive slightly above typical load balancer idle timeouts.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (applyCors) {
      await new Promise<void>((resolve) => applyCors(req, res, () => resolve()));
      // cors answers preflight requests itself.
      if (res.writableEnded) return;
    }
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      if (draining) return sendJson(res, 503, { ready: false, checks: { shutdown: 'draining' } });
      const readiness = await options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, readiness);
    }
    const extra = options.routes?.[url.pathname];
    if (extra) return extra(req, res);
    if (url.pathname !== graphqlPath) return sendJson(res, 404, { error: 'Not found' });

    const { requestId, traceparent } = requestIdOf(req);
    const log = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);

    let body: unknown = undefined;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, maxBodyBytes);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 400;
        return sendJson(res, status, { errors: [{ message: status === 413 ? 'Request body too large' : 'Could not read request body', extensions: { code: 'BAD_REQUEST' } }] });
      }
      const contentType = req.headers['content-type'] ?? '';
      if (contentType.includes('application/json') || contentType.includes('application/graphql-response+json')) {
        try {
          body = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'Malformed JSON in request body', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = text;
      }
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method?.toUpperCase() ?? 'GET', headers, search: url.search, body };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => options.context({ req, requestId, traceparent, logger: log }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const metricsServer = createMetricsServer(metrics.registry);

  return {
    server,
    metricsServer,
    async shutdown(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (idle = resolve)), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      }
      server.closeAllConnections();
      await closed;
      // Last, so a scrape can still see the drain. A server that never listened (tests) has nothing to close.
      if (metricsServer.listening) {
        const metricsClosed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections();
        await metricsClosed;
      }
    },
  };
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
