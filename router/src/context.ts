import type { RequestInfo } from '@shopcart/kit';
import type { AccessTokenVerifier, Identity } from './auth.js';
import type { AuthorizationContext } from './authorize.js';

export interface RouterContext extends AuthorizationContext {
  identity: Identity;
  clientIp: string | null;
  requestId: string;
  traceparent: string | null;
  logger: RequestInfo['logger'];
}

export async function createContext(info: RequestInfo, verifyAccessToken: AccessTokenVerifier): Promise<RouterContext> {
  const header = info.req.headers.authorization;
  const identity = await verifyAccessToken(typeof header === 'string' ? header : undefined);
  return {
    identity,
    clientIp: info.req.socket.remoteAddress ?? null,
    requestId: info.requestId,
    traceparent: info.traceparent,
    logger: identity.userId ? info.logger.child({ userId: identity.userId }) : info.logger,
    // graphql-shield keeps its per-request rule cache here.
    _shield: { cache: {} },
  };
}
