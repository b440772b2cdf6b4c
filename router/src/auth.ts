import { requestError, type Role } from '@shopcart/kit';
import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey } from 'jose';

export const ACCESS_TOKEN_ISSUER = 'shopcart-users';
export const ACCESS_TOKEN_AUDIENCE = 'shopcart';

export interface Identity {
  userId: string | null;
  role: Exclude<Role, 'SERVICE'>;
  /** The sign-in the access token belongs to, and the account's session version when it was issued (sessions.ts). */
  sessionId?: string;
  sessionVersion?: number;
}

export const ANONYMOUS: Identity = { userId: null, role: 'ANONYMOUS' };

export type AccessTokenVerifier = (authorization: string | undefined) => Promise<Identity>;

/**
 * Verifies "Authorization: Bearer <accessToken>" as issued by users: EdDSA
 * only (so alg=none or HMAC confusion cannot pass), issuer and audience
 * pinned, expiry enforced. No header means anonymous; a bad token is
 * UNAUTHENTICATED for the whole request, so a client knows to refresh.
 */
export async function createAccessTokenVerifier(options: { publicKeyPem?: string; jwksUrl?: string }): Promise<AccessTokenVerifier> {
  let key: JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>;
  if (options.publicKeyPem) key = await importSPKI(options.publicKeyPem, 'EdDSA');
  else if (options.jwksUrl) key = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  else throw new Error('no access token key configured');

  return async (authorization) => {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw requestError('UNAUTHENTICATED', 'Authorization header must be "Bearer <accessToken>"');
    try {
      const { payload } = await jwtVerify(match[1], key as JWTVerifyGetKey, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA'],
        requiredClaims: ['sub', 'exp'],
      });
      const role = payload.role === 'ADMIN' ? 'ADMIN' : payload.role === 'CUSTOMER' ? 'CUSTOMER' : null;
      if (!role || !payload.sub) throw new Error('bad claims');
      return {
        userId: payload.sub,
        role,
        sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
        sessionVersion: typeof payload.sv === 'number' ? payload.sv : 0,
      };
    } catch {
      throw requestError('UNAUTHENTICATED', 'Access token is invalid or expired');
    }
  };
}
