import { SignJWT, decodeJwt, errors as joseErrors, importPKCS8, importSPKI, jwtVerify, type CryptoKey, type KeyObject } from 'jose';

/**
 * Identity as the router forwards it to subgraphs: a short-lived EdDSA JWT
 * signed per (subgraph, caller) by the router, audience = the subgraph. A
 * subgraph trusts nothing else (no bare x-user-id headers), so reaching it
 * directly, or replaying a token meant for another subgraph, gets nothing.
 */
export type Role = 'ANONYMOUS' | 'CUSTOMER' | 'ADMIN' | 'SERVICE';

export interface Viewer {
  userId: string | null;
  role: Role;
  /** The client address the router saw; throttles key on it. */
  clientIp: string | null;
  /** Who signed: 'shopcart-router' or a service name for service calls. */
  issuer: string;
}

export const ROUTER_ISSUER = 'shopcart-router';
export const IDENTITY_ALG = 'EdDSA';
export const IDENTITY_TTL_SECONDS = 60;

type Key = CryptoKey | KeyObject;

export async function importPrivateKey(pem: string): Promise<Key> {
  return importPKCS8(pem, IDENTITY_ALG);
}

export async function importPublicKey(pem: string): Promise<Key> {
  return importSPKI(pem, IDENTITY_ALG);
}

export interface IdentitySigner {
  sign(audience: string, viewer: Omit<Viewer, 'issuer'>): Promise<string>;
}

/**
 * Signs identity tokens. Tokens are reused for half their lifetime per
 * (audience, user, role, ip), which keeps signing off the hot path.
 */
export function createIdentitySigner(issuer: string, privateKey: Key, maxCached = 10_000): IdentitySigner {
  const cache = new Map<string, { token: string; renewAt: number }>();
  return {
    async sign(audience, viewer) {
      const key = `${audience}\u0000${viewer.userId ?? ''}\u0000${viewer.role}\u0000${viewer.clientIp ?? ''}`;
      const now = Date.now();
      const hit = cache.get(key);
      if (hit && hit.renewAt > now) return hit.token;
      const jwt = new SignJWT({ role: viewer.role, ip: viewer.clientIp ?? undefined })
        .setProtectedHeader({ alg: IDENTITY_ALG })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${IDENTITY_TTL_SECONDS}s`);
      if (viewer.userId) jwt.setSubject(viewer.userId);
      const token = await jwt.sign(privateKey);
      if (cache.size >= maxCached) cache.clear();
      cache.set(key, { token, renewAt: now + (IDENTITY_TTL_SECONDS * 1000) / 2 });
      return token;
    },
  };
}

export class IdentityError extends Error {
  override name = 'IdentityError';
}

export interface IdentityVerifier {
  verify(authorizationHeader: string | undefined | null): Promise<Viewer>;
}

const roles = new Set<Role>(['ANONYMOUS', 'CUSTOMER', 'ADMIN', 'SERVICE']);

/**
 * trusted: issuer -> public key. Only the router may assert user roles.
 *
 * The router signs each identity once and reuses it for minutes, so a
 * subgraph sees the same few tokens again and again: a token that verified
 * is remembered (at most maxCached of them) until it expires, sparing a
 * signature check per request. Only successes are kept.
 */
export function createIdentityVerifier(audience: string, trusted: Record<string, Key>, maxCached = 10_000): IdentityVerifier {
  const verified = new Map<string, { viewer: Viewer; until: number }>();
  return {
    async verify(header) {
      const match = header ? /^Bearer ([A-Za-z0-9._-]+)$/.exec(header) : null;
      if (!match?.[1]) throw new IdentityError('missing identity');
      const token = match[1];
      const known = verified.get(token);
      if (known && known.until > Date.now()) return known.viewer;
      if (known) verified.delete(token);
      try {
        // The issuer picks the key; verification then pins issuer, audience and alg.
        const claims = decodeJwt(match[1]);
        const key = typeof claims.iss === 'string' && Object.hasOwn(trusted, claims.iss) ? trusted[claims.iss] : undefined;
        if (!key) throw new IdentityError('untrusted issuer');
        const { payload } = await jwtVerify(match[1], key, {
          audience,
          issuer: claims.iss,
          algorithms: [IDENTITY_ALG],
          maxTokenAge: `${IDENTITY_TTL_SECONDS * 2}s`,
        });
        const role = payload.role as Role;
        if (!roles.has(role)) throw new IdentityError('bad role');
        if (role !== 'SERVICE' && payload.iss !== ROUTER_ISSUER) throw new IdentityError('only the router asserts user roles');
        if ((role === 'CUSTOMER' || role === 'ADMIN') && !payload.sub) throw new IdentityError('missing subject');
        const viewer: Viewer = Object.freeze({
          userId: payload.sub ?? null,
          role,
          clientIp: typeof payload.ip === 'string' ? payload.ip : null,
          issuer: payload.iss as string,
        });
        // Good until it expires or grows older than verification allows, whichever comes first.
        const until = Math.min((payload.exp ?? 0) * 1000, ((payload.iat ?? 0) + IDENTITY_TTL_SECONDS * 2) * 1000);
        if (verified.size >= maxCached) verified.clear();
        verified.set(token, { viewer, until });
        return viewer;
      } catch (err) {
        if (err instanceof IdentityError) throw err;
        if (err instanceof joseErrors.JOSEError) throw new IdentityError(err.code);
        throw new IdentityError('invalid identity token');
      }
    },
  };
}
