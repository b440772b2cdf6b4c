import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * The router's HTTP client for subgraphs: one keep-alive connection pool per
 * subgraph (undici), whose new connections go round-robin over every address
 * the subgraph's host name resolves to. With several replicas behind one DNS
 * name (docker compose `deploy.replicas`, a Kubernetes headless Service),
 * calls spread over all of them instead of sticking to the first address;
 * each connection is retired after `requestsPerConnection` requests, so
 * replicas added later get their share without a router restart.
 */
export interface SubgraphHttpOptions {
  /** Open connections per replica address at most. */
  connectionsPerOrigin?: number;
  requestsPerConnection?: number;
  /** Name resolution (tests give a fixed answer). */
  resolve?: typeof dnsLookup;
}

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

export function createSubgraphFetch(options: SubgraphHttpOptions = {}) {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 64,
    keepAliveTimeout: 4_000,
    maxRequestsPerClient: options.requestsPerConnection ?? 1_000,
    connect: { lookup: roundRobinLookup(options.resolve) as never },
  });
  const fetch = (input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
  return { fetch, close: () => agent.close() };
}
