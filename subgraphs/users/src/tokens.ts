import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isDuplicateKey } from '@shopcart/kit';
import { SignJWT, calculateJwkThumbprint, exportJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { createPublicKey } from 'node:crypto';
import type { Types } from 'mongoose';
import type { UsersModels } from './model.js';
import type { SuccessorStash } from './successorStash.js';

export const ACCESS_TOKEN_ISSUER = 'shopcart-users';
export const ACCESS_TOKEN_AUDIENCE = 'shopcart';
const ALG = 'EdDSA';

export interface AccessTokenIssuer {
  /** sessionId: the sign-in's refresh token family; sessionVersion: the account's (kit sessions.ts). */
  issue(user: { id: string; role: string; sessionId: string; sessionVersion: number }): Promise<string>;
  /** The public half, for the router: GET /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
}

export async function createAccessTokenIssuer(privateKey: CryptoKey | KeyObject, privatePem: string, ttlSeconds: number): Promise<AccessTokenIssuer> {
  const publicJwk = await exportJWK(createPublicKey(privatePem));
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    jwks: { keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] },
    async issue(user) {
      return new SignJWT({ role: user.role, sid: user.sessionId, sv: user.sessionVersion })
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

const newRefreshToken = () => randomBytes(32).toString('base64url');
/** What newRefreshToken makes: anything else is refused before any store is asked. */
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Idempotent: the winner of a rotation and a refresh in its grace window may both save the successor. */
async function saveRefreshToken(models: UsersModels, token: string, userId: Types.ObjectId, familyId: string, ttlDays: number): Promise<void> {
  try {
    await models.RefreshToken.create({ _id: hashToken(token), userId, familyId, expiresAt: new Date(Date.now() + ttlDays * 86_400_000) });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Refresh tokens: 256 random bits, stored only as a hash, single use. */
export async function createRefreshToken(models: UsersModels, userId: Types.ObjectId, ttlDays: number, familyId: string = randomUUID()): Promise<string> {
  const token = newRefreshToken();
  await saveRefreshToken(models, token, userId, familyId, ttlDays);
  return token;
}

export type RotationResult = { ok: true; userId: Types.ObjectId; familyId: string; token: string } | { ok: false; reuse: boolean; familyId?: string };

export interface RotationPolicy {
  ttlDays: number;
  /** How long after a rotation the old token still answers with its successor; 0: not at all. */
  graceMs: number;
  successors: SuccessorStash;
}

/**
 * Exchanges a refresh token for a new one in the same family. The swap is a
 * conditional update, so two concurrent uses of one token cannot both win.
 * Presenting an already-rotated token means it leaked, and the family dies;
 * except within `graceMs` of the swap while the successor is still unused,
 * when it answers with that same successor: parallel refreshes (two tabs, a
 * retry after a lost response) must not sign the user out. Auth0 calls this
 * the reuse interval.
 */
export async function rotateRefreshToken(models: UsersModels, token: string, policy: RotationPolicy): Promise<RotationResult> {
  // Before the successor is stashed: garbage must not cost a Redis write.
  if (!REFRESH_TOKEN_SHAPE.test(token)) return { ok: false, reuse: false };
  const id = hashToken(token);
  const now = new Date();
  const next = newRefreshToken();
  const nextId = hashToken(next);
  // Stashed before the swap: a parallel refresh that sees the swap must find the successor.
  if (policy.graceMs > 0) await policy.successors.put(token, next, nextId, policy.graceMs);
  const current = await models.RefreshToken.findOneAndUpdate(
    { _id: id, rotatedAt: null, revokedAt: null, expiresAt: { $gt: now } },
    { $set: { rotatedAt: now, successorId: nextId } },
    { new: false },
  ).lean();
  if (current) {
    await saveRefreshToken(models, next, current.userId, current.familyId, policy.ttlDays);
    return { ok: true, userId: current.userId, familyId: current.familyId, token: next };
  }
  const known = await models.RefreshToken.findById(id).lean();
  if (!known?.rotatedAt || known.revokedAt) return { ok: false, reuse: false };
  const inGrace = now.getTime() - known.rotatedAt.getTime() < policy.graceMs;
  const successor = inGrace && known.successorId ? await unusedSuccessor(models, token, known.successorId, known, policy) : null;
  if (successor) return { ok: true, userId: known.userId, familyId: known.familyId, token: successor };
  await models.RefreshToken.updateMany({ familyId: known.familyId, revokedAt: null }, { $set: { revokedAt: now } });
  return { ok: false, reuse: true, familyId: known.familyId };
}

/** The token `token` was swapped for, unless it is no longer kept or has been rotated or revoked since. */
async function unusedSuccessor(
  models: UsersModels,
  token: string,
  successorId: string,
  family: { userId: Types.ObjectId; familyId: string },
  policy: RotationPolicy,
): Promise<string | null> {
  const successor = await policy.successors.recover(token, successorId);
  if (!successor) return null;
  const record = await models.RefreshToken.findById(successorId).lean();
  if (record?.rotatedAt || record?.revokedAt) return null;
  // Not saved yet: the winner of the swap is still at it, or failed after the swap.
  if (!record) await saveRefreshToken(models, successor, family.userId, family.familyId, policy.ttlDays);
  return successor;
}

/** Ends the sign-in a refresh token belongs to; its family id, or null for an unknown token. */
export async function revokeRefreshFamily(models: UsersModels, token: string): Promise<string | null> {
  const known = await models.RefreshToken.findById(hashToken(token)).lean();
  if (!known) return null;
  await models.RefreshToken.updateMany({ familyId: known.familyId, revokedAt: null }, { $set: { revokedAt: new Date() } });
  return known.familyId;
}

/** FerretDB v1 has no TTL indexes, so the service sweeps expired tokens itself. */
export async function sweepExpiredRefreshTokens(models: UsersModels): Promise<number> {
  const result = await models.RefreshToken.deleteMany(
    { expiresAt: { $lt: new Date() } },
    { comment: 'scan: an hourly sweep; FerretDB v1 pushes no range down and has no TTL index (MongoDB uses the expiresAt index)' },
  );
  return result.deletedCount ?? 0;
}
