import { DateTime, forbidden, graphqlError, payload, requireAdmin, requireUser, toMoney } from '@shopcart/kit';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { checkout } from './checkout.js';
import { listOrders } from './history.js';
import { canSee, cancelOrder, updateOrderStatus } from './tracking.js';

export const resolvers: Resolvers = {
  DateTime,
  Query: {
    order: async (_parent, args, { viewer, loaders }) => {
      requireUser(viewer);
      const order = await loaders.orderById.load(args.id);
      // Someone else's order answers exactly like one that does not exist.
      if (!order || !canSee(viewer, order)) throw graphqlError('NOT_FOUND', 'No such order');
      return order;
    },
    orders: (_parent, args, { viewer, orders }) => {
      requireAdmin(viewer);
      return listOrders(orders.models, { status: args.status }, args);
    },
  },
  Mutation: {
    checkout: (_parent, { input }, { viewer, orders }) => {
      requireUser(viewer);
      return checkout(orders, viewer.userId, input);
    },
    cancelOrder: (_parent, args, { viewer, orders }) => {
      requireUser(viewer);
      return payload('order', () => cancelOrder(orders, viewer, args.id, args.reason));
    },
    updateOrderStatus: (_parent, args, { viewer, orders }) => {
      requireAdmin(viewer);
      return payload('order', () => updateOrderStatus(orders, viewer, args.id, args));
    },
  },
  User: {
    __resolveReference: (reference) => ({ id: String(reference.id) }),
    orders: (user, args, { viewer, orders }) => {
      if (viewer.role !== 'ADMIN' && viewer.userId !== user.id) throw forbidden('Only the customer and admins see these orders');
      return listOrders(orders.models, { customerId: user.id }, args);
    },
  },
  Order: {
    __resolveReference: async (reference, { viewer, loaders }) => {
      const order = await loaders.orderById.load(String(reference.id));
      return order && (viewer.role === 'SERVICE' || canSee(viewer, order)) ? order : null;
    },
    id: (order) => String(order._id),
    customer: (order) => ({ id: order.customerId }),
    lines: (order) => order.lines.map((line) => ({ ...line, currencyCode: order.currencyCode })),
    subtotal: (order) => toMoney(order.subtotal, order.currencyCode),
    shippingTotal: (order) => toMoney(order.shippingTotal, order.currencyCode),
    total: (order) => toMoney(order.total, order.currencyCode),
    shipment: (order) => (order.shipment?.carrier && order.shipment.trackingNumber ? order.shipment : null),
    // What the customer can see change is the timeline; bookkeeping writes (tasks done, events published) are not changes.
    updatedAt: (order) => order.events.at(-1)?.at ?? order.placedAt,
  },
  OrderLine: {
    id: (line) => line._id,
    variant: (line) => ({ id: line.variantId }),
    unitPrice: (line) => toMoney(line.unitPrice, line.currencyCode),
    lineTotal: (line) => toMoney(line.lineTotal, line.currencyCode),
  },
  // A snapshot, not the customer's address book: it is nobody's default.
  Address: {
    isDefault: () => false,
  },
};
