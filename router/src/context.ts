import type { IncomingMessage } from 'node:http';
import type { RequestInfo } from '@shopcart/kit';
import type { AccessTokenVerifier, Identity } from './auth.js';
import type { AuthorizationContext } from './authorize.js';

export interface RouterContext extends AuthorizationContext {
  identity: Identity;
  clientIp: string | null;
  requestId: string;
  traceparent: string | null;
  logger: RequestInfo['logger'];
  /** Epoch ms by which the whole request must be answered (ROUTER_REQUEST_TIMEOUT_MS). */
  deadline: number;
  /** The response cache's generation, read for operations it may cache; the entity cache keys by it. */
  cacheGeneration?: string;
}

/**
 * The caller's address. Behind load balancers the socket shows the last
 * proxy, so with trustedProxyHops = N the address N entries from the right
 * of X-Forwarded-For is used; entries further left are client-supplied and
 * never trusted.
 */
export function clientIpOf(req: IncomingMessage, trustedProxyHops: number): string | null {
  const remote = req.socket.remoteAddress ?? null;
  if (trustedProxyHops <= 0) return remote;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((part) => part.trim()).filter(Boolean);
  const chain = remote ? [...forwarded, remote] : forwarded;
  return chain[Math.max(0, chain.length - 1 - trustedProxyHops)] ?? remote;
}

export async function createContext(info: RequestInfo, verifyAccessToken: AccessTokenVerifier, trustedProxyHops = 0, requestTimeoutMs = 15_000): Promise<RouterContext> {
  const deadline = Date.now() + requestTimeoutMs;
  const header = info.req.headers.authorization;
  const identity = await verifyAccessToken(typeof header === 'string' ? header : undefined);
  return {
    identity,
    clientIp: clientIpOf(info.req, trustedProxyHops),
    requestId: info.requestId,
    traceparent: info.traceparent,
    deadline,
    logger: identity.userId ? info.logger.child({ userId: identity.userId }) : info.logger,
    // graphql-shield keeps its per-request rule cache here.
    _shield: { cache: {} },
  };
}
