import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError, forbidden, graphqlError, type Logger, type Redis } from '@shopcart/kit';
import { GraphQLError } from 'graphql';
import { changeCartLua, clearCartLua, mergeCartLua } from './lua.js';

/** One variant in a cart, with the price it had when added (the fallback when products is down). */
export interface CartLineRecord {
  id: string;
  variantId: string;
  sku: string;
  quantity: number;
  priceMinor: number;
  currencyCode: string;
}

export interface CartRecord {
  id: string;
  /** null: a guest cart, reachable by anyone holding its id. */
  ownerId: string | null;
  lines: CartLineRecord[];
  createdAt: number;
  updatedAt: number;
  /** Guest carts only, epoch ms. */
  expiresAt: number | null;
}

/** Units per line (the scripts enforce it: INVALID_QUANTITY). */
export const MAX_LINE_QUANTITY = 99;
/** Distinct variants per cart (the scripts enforce it: CART_FULL). */
export const MAX_CART_LINES = 100;

/** What the domain checked before a change: the stock level each line is capped by. */
export type CartChange =
  | { op: 'add'; lines: Array<{ index: number; lineId: string; variantId: string; sku: string; quantity: number; priceMinor: number; currencyCode: string; available: number }> }
  | { op: 'update'; lines: Array<{ index: number; lineId: string; quantity: number; available: number }> }
  | { op: 'remove'; lines: Array<{ index: number; lineId: string }> };

export interface MergeFact {
  available: number;
  priceMinor: number;
  currencyCode: string;
}

// A resend after a reconnect comes within seconds; the marker only has to outlive that.
const APPLIED_MARKER_TTL_MS = 10 * 60_000;
const CLEARED_MARKER_TTL_MS = 7 * 24 * 3_600_000;

// Ids are cut from a pool of random bytes, each byte used once: a randomBytes call per id
// was ~3% of the cart's CPU on adds, and one 4 KiB draw serves a few hundred ids.
let randomPool = Buffer.alloc(0);
let randomOffset = 0;
function random(bytes: number): Buffer {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.subarray(randomOffset - bytes, randomOffset);
}

/** 128 random bits: a guest cart's id is its only key, so it must not be guessable. */
export const newGuestCartId = () => random(16).toString('base64url');
export const newLineId = () => random(12).toString('base64url');

/**
 * A customer's cart id is derived from their user id: stable across sessions
 * and devices without a lookup, opaque to clients, and useless to anyone else
 * (ownership is checked on every access).
 */
export const userCartId = (userId: string) => `u${createHash('sha256').update(`shopcart-cart:${userId}`).digest('base64url').slice(0, 32)}`;

/** Ids are base64url; anything else cannot name a cart (and cannot reach another key). */
export const isCartId = (id: string) => /^[A-Za-z0-9_-]{16,64}$/.test(id);

const cartKey = (id: string) => `cart:${id}`;

type StoredCart = Omit<CartRecord, 'ownerId' | 'expiresAt'> & { ownerId: string; expiresAt?: number };

/** A cart as the scripts store and return it (JSON encoded by cjson). */
function toCart(stored: StoredCart): CartRecord {
  return {
    ...stored,
    ownerId: stored.ownerId === '' ? null : stored.ownerId,
    // cjson writes an empty Lua table as {}, not [].
    lines: Array.isArray(stored.lines) ? stored.lines : [],
    expiresAt: stored.expiresAt ?? null,
  };
}

type Script = (keys: string[], args: Array<string | number>) => Promise<unknown>;

function defineScript(redis: Redis, name: string, lua: string, numberOfKeys: number): Script {
  // defineCommand runs EVALSHA and falls back to EVAL once when the script cache is empty (after a Redis restart).
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name]!;
  return (keys, args) => command.call(redis, ...keys, ...args);
}

export interface CartStore {
  get(cartId: string): Promise<CartRecord | null>;
  /** Applies one change atomically; throws DomainError (userErrors) or FORBIDDEN. */
  change(options: { cartId: string; callerId: string | null; create: boolean; change: CartChange }): Promise<CartRecord>;
  /** true when the guest cart is now (or already was) in the user's cart. */
  merge(options: { guestCartId: string; userId: string; facts: Record<string, MergeFact> }): Promise<boolean>;
  /** Deletes the cart once per order; throws FORBIDDEN for another customer's cart. */
  clear(options: { cartId: string; userId: string; orderId: string }): Promise<boolean>;
}

export function createCartStore(redis: Redis, options: { guestTtlMs: number; logger: Logger }): CartStore {
  const limits = { maxLineQuantity: MAX_LINE_QUANTITY, maxCartLines: MAX_CART_LINES };
  const changeScript = defineScript(redis, 'cartChange', changeCartLua(limits), 2);
  const mergeScript = defineScript(redis, 'cartMerge', mergeCartLua(limits), 3);
  const clearScript = defineScript(redis, 'cartClear', clearCartLua, 2);

  /** Redis failures answer SERVICE_UNAVAILABLE at once (the client neither queues nor waits long). */
  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof DomainError || err instanceof GraphQLError) throw err;
      options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cart store unavailable');
      throw graphqlError('SERVICE_UNAVAILABLE', 'Carts are unavailable right now; try again shortly');
    }
  }

  return {
    get: (cartId) =>
      guarded(async () => {
        const raw = await redis.get(cartKey(cartId));
        return raw ? toCart(JSON.parse(raw) as StoredCart) : null;
      }),

    change: ({ cartId, callerId, create, change }) =>
      guarded(async () => {
        // One id per call, fixed before the first send, so a resend is recognised (the request id is client-controlled).
        const changeId = randomUUID();
        const request = { ...change, cartId, callerId: callerId ?? '', create, now: Date.now(), guestTtlMs: options.guestTtlMs, markerTtlMs: APPLIED_MARKER_TTL_MS };
        const raw = (await changeScript([cartKey(cartId), `cart:applied:${cartId}:${changeId}`], [JSON.stringify(request)])) as string;
        const result = JSON.parse(raw) as { cart: StoredCart; error?: { code: string; message: string; field?: string[] } };
        if (result.error) {
          throw new DomainError(result.error.code, result.error.message, Array.isArray(result.error.field) ? result.error.field : undefined);
        }
        return toCart(result.cart);
      }),

    merge: ({ guestCartId, userId, facts }) =>
      guarded(async () => {
        const request = { userId, userCartId: userCartId(userId), now: Date.now(), markerTtlMs: options.guestTtlMs, facts };
        // An empty facts table would reach Lua as [] vs {}: both decode to an empty table, so either is fine.
        const merged = await mergeScript([cartKey(guestCartId), cartKey(userCartId(userId)), `cart:merged:${guestCartId}`], [JSON.stringify(request)]);
        return merged === 1;
      }),

    clear: ({ cartId, userId, orderId }) =>
      guarded(async () => {
        const cleared = await clearScript([cartKey(cartId), `cart:cleared:${cartId}:${orderId}`], [userId, CLEARED_MARKER_TTL_MS]);
        if (cleared === -1) throw forbidden('This cart belongs to another customer');
        return true;
      }),
  };
}
