import { requireService, toMoney, type Viewer } from '@shopcart/kit';
import type { PaymentStatus, Resolvers } from './__generated__/resolvers-types.js';
import * as charges from './charges.js';
import type { PaymentRecord } from './model.js';
import * as reconcile from './reconcile.js';
import * as refunds from './refunds.js';

/** Orders checks ownership before the router asks for the payment; this is the same rule again, from our own record. */
function maySee(viewer: Viewer, payment: PaymentRecord): boolean {
  if (viewer.role === 'ADMIN' || viewer.role === 'SERVICE') return true;
  return viewer.role === 'CUSTOMER' && viewer.userId === payment.customerId;
}

export const resolvers: Resolvers = {
  Query: {
    paymentForOrder: (_parent, args, { viewer, payments }) => {
      requireService(viewer);
      return reconcile.paymentForOrder(payments, args.orderId);
    },
  },
  Mutation: {
    chargePayment: (_parent, args, { viewer, payments }) => {
      requireService(viewer);
      return charges.chargePayment(payments, args.input);
    },
    refundPayment: (_parent, args, { viewer, payments }) => {
      requireService(viewer);
      return refunds.refundPayment(payments, args.orderId, args.reason ?? null);
    },
  },
  Order: {
    __resolveReference: (reference) => ({ id: reference.id }),
    payment: async (order, _args, { viewer, loaders }) => {
      const payment = await loaders.paymentByOrderId.load(order.id);
      return payment && maySee(viewer, payment) ? payment : null;
    },
  },
  Payment: {
    id: (payment) => payment._id.toHexString(),
    // PENDING never leaves payments: a pending record is reconciled or answered as null.
    status: (payment) => payment.status as PaymentStatus,
    amount: (payment) => toMoney(payment.amount, payment.currencyCode),
    last4: (payment) => payment.last4 ?? null,
    failureReason: (payment) => payment.failureReason ?? null,
  },
};
