import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, request } from 'undici';

/**
 * The router's HTTP client for subgraphs: one keep-alive connection pool per
 * subgraph (undici), whose new connections go round-robin over every address
 * the subgraph's host name resolves to. With several replicas behind one DNS
 * name (docker compose `deploy.replicas`, a Kubernetes headless Service),
 * calls spread over all of them instead of sticking to the first address;
 * each connection is retired after `requestsPerConnection` requests, so
 * replicas added later get their share without a router restart.
 *
 * Calls use undici's dispatcher API rather than fetch: a subgraph call is
 * one POST of a JSON string and one JSON answer, and fetch's Request,
 * Headers and web streams cost more router CPU than the call itself.
 */
export interface SubgraphHttpOptions {
  /** Open connections per replica address at most. */
  connectionsPerOrigin?: number;
  requestsPerConnection?: number;
  /** Name resolution (tests give a fixed answer). */
  resolve?: typeof dnsLookup;
}

export interface SubgraphHttpResponse {
  status: number;
  /** The subgraph's Cache-Control header, if any. */
  cacheControl: string | undefined;
  /** The parsed JSON body; the raw text when it is not JSON. */
  body: unknown;
}

export interface SubgraphClient {
  post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<SubgraphHttpResponse>;
  close(): Promise<void>;
}

/** A call that never got an answer: refused, reset, unresolvable, closed mid-way. */
export class SubgraphConnectionError extends Error {
  override readonly name = 'SubgraphConnectionError';
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup that answers each call with the next of the host's addresses. */
export function roundRobinLookup(resolve: typeof dnsLookup = dnsLookup) {
  const turns = new Map<string, number>();
  return (hostname: string, options: { all?: boolean } & Record<string, unknown>, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      if (list.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      const turn = turns.get(hostname) ?? 0;
      turns.set(hostname, turn + 1);
      const chosen = list[turn % list.length]!;
      if (options.all) return callback(null, [chosen, ...list.filter((address) => address !== chosen)]);
      return callback(null, chosen.address, chosen.family);
    });
  };
}

export function createSubgraphClient(options: SubgraphHttpOptions = {}): SubgraphClient {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 4_000,
    maxRequestsPerClient: options.requestsPerConnection ?? 1_000,
    connect: { lookup: roundRobinLookup(options.resolve) as never },
  });
  return {
    async post(url, body, headers, signal) {
      let response;
      try {
        response = await request(url, { method: 'POST', headers, body, signal, dispatcher: agent });
      } catch (err) {
        throw asConnectionError(err);
      }
      let text: string;
      try {
        text = await response.body.text();
      } catch (err) {
        throw asConnectionError(err);
      }
      const contentType = String(response.headers['content-type'] ?? '');
      const cacheControl = response.headers['cache-control'];
      return {
        status: response.statusCode,
        cacheControl: Array.isArray(cacheControl) ? cacheControl.join(', ') : cacheControl,
        body: /^application\/(graphql-response\+)?json/.test(contentType) ? JSON.parse(text) : text,
      };
    },
    close: () => agent.close(),
  };
}

function asConnectionError(err: unknown): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (code && CONNECTION_CODES.has(code)) return new SubgraphConnectionError(`${code}: ${(err as Error).message}`, { cause: err });
  return err;
}
