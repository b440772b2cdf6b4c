import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { createPublicKey } from 'node:crypto';
import type { Types } from 'mongoose';
import type { UsersModels } from './model.js';

export const ACCESS_TOKEN_ISSUER = 'shopcart-users';
export const ACCESS_TOKEN_AUDIENCE = 'shopcart';
const ALG = 'EdDSA';

export interface AccessTokenIssuer {
  issue(user: { id: string; role: string }): Promise<string>;
  /** The public half, for the router: GET /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
}

export async function createAccessTokenIssuer(privateKey: CryptoKey | KeyObject, privatePem: string, ttlSeconds: number): Promise<AccessTokenIssuer> {
  const publicJwk = await exportJWK(createPublicKey(privatePem));
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    jwks: { keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] },
    async issue(user) {
      return new SignJWT({ role: user.role })
        .setProtectedHeader({ alg: ALG, kid })
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setSubject(user.id)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(privateKey);
    },
  };
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Refresh tokens: 256 random bits, stored only as a hash, single use. */
export async function createRefreshToken(models: UsersModels, userId: Types.ObjectId, ttlDays: number, familyId: string = randomUUID()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await models.RefreshToken.create({
    _id: hashToken(token),
    userId,
    familyId,
    expiresAt: new Date(Date.now() + ttlDays * 86_400_000),
  });
  return token;
}

export type RotationResult = { ok: true; userId: Types.ObjectId; token: string } | { ok: false; reuse: boolean };

/**
 * Exchanges a refresh token for a new one in the same family. The swap is a
 * conditional update, so two concurrent uses of one token cannot both win;
 * presenting an already-rotated token means it leaked, and the family dies.
 */
export async function rotateRefreshToken(models: UsersModels, token: string, ttlDays: number): Promise<RotationResult> {
  const id = hashToken(token);
  const now = new Date();
  const current = await models.RefreshToken.findOneAndUpdate(
    { _id: id, rotatedAt: null, revokedAt: null, expiresAt: { $gt: now } },
    { $set: { rotatedAt: now } },
    { new: false },
  ).lean();
  if (!current) {
    const known = await models.RefreshToken.findById(id).lean();
    if (known?.rotatedAt && !known.revokedAt) {
      await models.RefreshToken.updateMany({ familyId: known.familyId, revokedAt: null }, { $set: { revokedAt: now } });
      return { ok: false, reuse: true };
    }
    return { ok: false, reuse: false };
  }
  const next = await createRefreshToken(models, current.userId, ttlDays, current.familyId);
  return { ok: true, userId: current.userId, token: next };
}

export async function revokeRefreshFamily(models: UsersModels, token: string): Promise<void> {
  const known = await models.RefreshToken.findById(hashToken(token)).lean();
  if (!known) return;
  await models.RefreshToken.updateMany({ familyId: known.familyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
}

/** FerretDB v1 has no TTL indexes, so the service sweeps expired tokens itself. */
export async function sweepExpiredRefreshTokens(models: UsersModels): Promise<number> {
  const result = await models.RefreshToken.deleteMany(
    { expiresAt: { $lt: new Date() } },
    { comment: 'scan: an hourly sweep; FerretDB v1 pushes no range down and has no TTL index (MongoDB uses the expiresAt index)' },
  );
  return result.deletedCount ?? 0;
}
