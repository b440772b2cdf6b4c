import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the tests of failure handling share: timed GraphQL calls, metrics reads and a controllable subgraph stand-in. */

export interface TimedResponse {
  status: number;
  ms: number;
  headers: Headers;
  body: { data?: any; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> };
  raw: string;
}

export async function timedGql(url: string, query: string, options: { token?: string; headers?: Record<string, string>; variables?: Record<string, unknown>; extensions?: Record<string, unknown> } = {}): Promise<TimedResponse> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    body: JSON.stringify({ query, variables: options.variables, extensions: options.extensions }),
  });
  const raw = await response.text();
  return { status: response.status, ms: performance.now() - started, headers: response.headers, body: JSON.parse(raw), raw };
}

/** One sample of a Prometheus metric from a /metrics page (a service's metrics URL), by its labels (null when absent). */
export async function metricValue(metricsUrl: string, name: string, labels: Record<string, string>): Promise<number | null> {
  const text = await (await fetch(metricsUrl)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

/** Sets `null` at a response path in a copy of data, as a failed field reads. */
export function nullAt(data: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(data);
  let node: any = copy;
  for (const key of path.slice(0, -1)) {
    if (node === null || node === undefined) return copy;
    node = node[key];
  }
  if (node !== null && node !== undefined) node[path.at(-1)!] = null;
  return copy;
}

export const CATALOG_PAGE = 'query CatalogPage { products(first: 20) { nodes { title variants { price { amount } inventory { available } } } } }';

/**
 * A stand-in at a subgraph's URL: 'pass' forwards to the real subgraph,
 * 'slow' forwards after delayMs, 'hang' accepts the request and never
 * answers, as a stuck process does.
 */
export interface FlakySubgraph {
  url: string;
  mode: 'pass' | 'slow' | 'hang';
  delayMs: number;
  /** Requests that reached the stand-in. */
  received: number;
  close(): Promise<void>;
}

export async function startFlakySubgraph(target: string): Promise<FlakySubgraph> {
  const hanging = new Set<ServerResponse>();
  const state = { mode: 'pass' as FlakySubgraph['mode'], received: 0, delayMs: 1_000 };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    state.received += 1;
    if (state.mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (state.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
    const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(value) {
      state.delayMs = value;
    },
    get received() {
      return state.received;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
