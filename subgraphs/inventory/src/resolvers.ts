import { DateTime, DomainError, requireAdmin, requireService } from '@shopcart/kit';
import type { ReservationStatus, Resolvers } from './__generated__/resolvers-types.js';
import * as reservations from './reservations.js';
import * as stock from './stock.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    stockLevels: (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      return stock.stockLevels(inventory, args.skus);
    },
  },
  Mutation: {
    setInventory: async (_parent, args, { viewer, inventory }) => {
      requireAdmin(viewer);
      try {
        return { variant: await stock.setInventory(inventory, args.sku, args.available), userErrors: [] };
      } catch (err) {
        if (err instanceof DomainError) return { variant: null, userErrors: [err.toUserError()] };
        throw err;
      }
    },
    reserveStock: (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      return reservations.reserveStock(inventory, args);
    },
    commitReservation: (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      return reservations.commitReservation(inventory, args.reservationId);
    },
    releaseReservation: (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      return reservations.releaseReservation(inventory, args.reservationId);
    },
    restockReservation: (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      return reservations.restockReservation(inventory, args.reservationId);
    },
    initializeStock: async (_parent, args, { viewer, inventory }) => {
      requireService(viewer);
      await stock.initializeStock(inventory, args.levels);
      return true;
    },
  },
  ProductVariant: {
    // Any SKU resolves: one inventory has never stocked simply has none available.
    __resolveReference: (reference) => ({ sku: reference.sku }),
    inventory: async (variant, _args, { loaders }) => {
      const available = await loaders.stockBySku.load(variant.sku);
      return { available, inStock: available > 0 };
    },
  },
  Product: {
    __resolveReference: (reference) => reference,
    inStock: async (product, _args, { loaders }) => {
      // The router always sends variants (@requires); without them the answer is unknown, not false.
      if (!product.variants) return null;
      const levels = await loaders.stockBySku.loadMany(product.variants.map((variant) => variant.sku));
      const failed = levels.find((level) => level instanceof Error);
      if (failed) throw failed;
      return levels.some((level) => typeof level === 'number' && level > 0);
    },
  },
  Reservation: {
    id: (reservation) => reservation._id,
    // PENDING never leaves reserveStock: every path returns a decided reservation.
    status: (reservation) => reservation.status as ReservationStatus,
    shortSkus: (reservation) => reservation.shortSkus ?? [],
    expiresAt: (reservation) => reservation.expiresAt ?? null,
  },
};
