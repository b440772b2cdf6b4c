import { DateTime, payload, requireService, toMoney } from '@shopcart/kit';
import type { Resolvers } from './__generated__/resolvers-types.js';
import * as carts from './cart.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    cart: (_parent, args, { viewer, carts: deps }) => carts.readCart(deps, viewer, args.id),
    checkoutCart: (_parent, args, { viewer, carts: deps, loaders }) => {
      requireService(viewer);
      return carts.checkoutCart(deps, loaders, args.cartId, args.userId);
    },
  },
  Mutation: {
    cartAddLines: (_parent, args, { viewer, carts: deps, loaders }) => payload('cart', () => carts.addLines(deps, loaders, viewer, args.cartId, args.lines)),
    cartUpdateLines: (_parent, args, { viewer, carts: deps, loaders }) =>
      payload('cart', () => carts.updateLines(deps, loaders, viewer, args.cartId, args.lines)),
    cartRemoveLines: (_parent, args, { viewer, carts: deps }) => payload('cart', () => carts.removeLines(deps, viewer, args.cartId, args.lineIds)),
    mergeGuestCart: (_parent, args, { viewer, carts: deps, loaders }) => {
      requireService(viewer);
      return carts.mergeGuestCart(deps, loaders, args.guestCartId, args.userId);
    },
    clearCart: (_parent, args, { viewer, carts: deps }) => {
      requireService(viewer);
      return carts.clearCart(deps, args.cartId, args.userId, args.orderId);
    },
  },
  Cart: {
    totalQuantity: (cart) => cart.lines.reduce((sum, line) => sum + line.quantity, 0),
    subtotal: (cart, _args, { carts: deps, loaders }) => carts.subtotal(deps, loaders, cart),
    updatedAt: (cart) => new Date(cart.updatedAt),
    expiresAt: (cart) => (cart.ownerId || cart.expiresAt == null ? null : new Date(cart.expiresAt)),
  },
  CartLine: {
    // A reference: the router asks products for the rest, so a products outage nulls this field alone.
    variant: (line) => ({ id: line.variantId }),
    unitPrice: async (line, _args, { loaders }) => {
      const price = await carts.linePrice(loaders, line);
      return toMoney(price.minor, price.currencyCode);
    },
    lineTotal: async (line, _args, { loaders }) => {
      const price = await carts.linePrice(loaders, line);
      return toMoney(price.minor * line.quantity, price.currencyCode);
    },
  },
};
