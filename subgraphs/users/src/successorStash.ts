import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from '@shopcart/kit';

const successorKey = (successorId: string) => `users:refresh-successor:${successorId}`;

// AES-256-GCM: a fresh 12-byte IV per seal, a 16-byte tag after the ciphertext.
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The key is derived from the old token, which is stored nowhere (the database holds its hash only). */
function sealingKey(oldToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', oldToken, '', 'shopcart refresh-token successor', 32));
}

/**
 * Keeps the successor of a rotated refresh token for the reuse grace window,
 * so that parallel refreshes of one token (two tabs, a retried request) can
 * all be answered with it. The successor is sealed under a key only the
 * holder of the old token can derive: a copy of Redis and the database
 * together yields no usable token. Redis drops it when the window ends.
 */
export function createSuccessorStash(redis: Redis) {
  return {
    /** Keyed by the successor's id (its hash), so rotations racing across replicas never overwrite each other's. */
    async put(oldToken: string, successor: string, successorId: string, windowMs: number): Promise<void> {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey(oldToken), iv);
      cipher.setAAD(Buffer.from(successorId));
      const sealed = Buffer.concat([iv, cipher.update(successor, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      await redis.set(successorKey(successorId), sealed.toString('base64url'), 'PX', windowMs);
    },
    /** The successor, if it is still kept and was sealed under this old token; null otherwise. */
    async recover(oldToken: string, successorId: string): Promise<string | null> {
      const stored = await redis.get(successorKey(successorId));
      if (!stored) return null;
      const sealed = Buffer.from(stored, 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', sealingKey(oldToken), sealed.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(successorId));
        decipher.setAuthTag(sealed.subarray(-TAG_BYTES));
        return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, -TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return null;
      }
    },
  };
}

export type SuccessorStash = ReturnType<typeof createSuccessorStash>;
