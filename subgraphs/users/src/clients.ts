import { serviceClientFactory, type Logger } from '@shopcart/kit';
import type { UsersEnv } from './env.js';

/**
 * Login with a guestCartId hands the guest cart to the cart service, which
 * merges it into the user's cart exactly once (a retried or racing login
 * changes nothing more). Signing in never fails because the cart service is
 * away: the guest cart stays, and the next login with it merges it.
 */
export type GuestCartMerger = (guestCartId: string, userId: string) => Promise<void>;

const MERGE = `mutation MergeGuestCart($guestCartId: ID!, $userId: ID!) { mergeGuestCart(guestCartId: $guestCartId, userId: $userId) }`;

/** The cart's internal mergeGuestCart, called with this service's own identity (`users`). */
export async function createGuestCartMerger(env: UsersEnv, logger: Logger): Promise<GuestCartMerger> {
  const connect = await serviceClientFactory('users', env.SERVICE_PRIVATE_KEY, logger);
  const cart = env.CART_URL ? connect('cart', env.CART_URL) : null;
  // Either is missing: the URL, or the key this service signs its calls with.
  const missing = !env.CART_URL ? 'CART_URL' : 'SERVICE_PRIVATE_KEY';
  return async (guestCartId, userId) => {
    if (!cart) {
      logger.warn({ missing }, `login with a guest cart, but the cart service cannot be called (${missing} is not set); it stays a guest cart`);
      return;
    }
    try {
      await cart.request(MERGE, { guestCartId, userId });
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'guest cart merge failed; it stays a guest cart');
    }
  };
}
