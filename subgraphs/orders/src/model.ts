import { addressSchemaFields, revisioned, type AddressSnapshot } from '@shopcart/kit';
import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import type { PricedLine } from './pricing.js';

export const ORDER_STATUSES = [
  'PENDING_PAYMENT',
  'PAYMENT_FAILED',
  'CONFIRMED',
  'PACKED',
  'SHIPPED',
  'OUT_FOR_DELIVERY',
  'DELIVERED',
  'CANCELLED',
  'REFUNDED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Side effects an order still owes other services after a status change.
 * Each is idempotent on the other side, is removed from the order once done,
 * and is retried by the recovery pass when a crash or an outage left it.
 */
export const ORDER_TASKS = ['settlePayment', 'releaseStock', 'restockStock', 'refundPayment', 'clearCart'] as const;
export type OrderTask = (typeof ORDER_TASKS)[number];

const lineSchema = new Schema(
  {
    _id: { type: String, required: true },
    variantId: { type: String, required: true },
    sku: { type: String, required: true },
    title: { type: String, required: true },
    quantity: { type: Number, required: true },
    /** Minor units, at the moment of checkout. */
    unitPrice: { type: Number, required: true },
    lineTotal: { type: Number, required: true },
  },
  { _id: false },
);

const addressSchema = new Schema(
  {
    id: { type: String, required: true },
    ...addressSchemaFields,
  },
  { _id: false },
);

const eventSchema = new Schema(
  {
    status: { type: String, enum: ORDER_STATUSES, required: true },
    at: { type: Date, required: true },
    note: { type: String, default: null },
  },
  { _id: false },
);

/** An order event waiting for the stream; `data` is its JSON body (no dotted keys to worry about). */
const outboxSchema = new Schema(
  {
    seq: { type: Number, required: true },
    type: { type: String, required: true },
    data: { type: String, required: true },
  },
  { _id: false },
);

const orderSchema = new Schema(
  {
    number: { type: String, required: true, unique: true },
    customerId: { type: String, required: true },
    status: { type: String, enum: ORDER_STATUSES, required: true },
    lines: { type: [lineSchema], default: [] },
    currencyCode: { type: String, required: true },
    subtotal: { type: Number, required: true },
    shippingTotal: { type: Number, required: true },
    total: { type: Number, required: true },
    shippingAddress: { type: addressSchema, required: true },
    shipment: { type: new Schema({ carrier: String, trackingNumber: String }, { _id: false }), default: null },
    /** The tracking timeline, oldest first. */
    events: { type: [eventSchema], default: [] },
    placedAt: { type: Date, required: true },
    /** The cart the order was placed from, emptied once the order is confirmed. */
    cartId: { type: String, required: true },
    reservationId: { type: String, required: true },
    /** The key payments dedupes the charge by: one charge per order, ever. */
    paymentKey: { type: String, required: true },
    /**
     * Kept only while the charge's outcome is unknown, so recovery can ask
     * payments to finish an authorised charge under the same key; removed with
     * the status that settles the payment.
     */
    paymentToken: { type: String, default: null },
    /** Why the charge failed (the userError replayed for the idempotency key). */
    paymentFailure: { type: new Schema({ code: String, message: String }, { _id: false }), default: null },
    tasks: { type: [String], enum: ORDER_TASKS, default: [] },
    /** Recovery leaves the order to the live request until then. */
    recoverAfter: { type: Date, required: true },
    cancelReason: { type: String, default: null },
    /** Events not yet on the stream (the outbox) and the sequence numbers behind them. */
    outbox: { type: [outboxSchema], default: [] },
    outboxSeq: { type: Number, required: true, default: 0 },
    publishedSeq: { type: Number, required: true, default: 0 },
    /** True while outboxSeq > publishedSeq; FerretDB v1 cannot compare two fields in a query. */
    outboxPending: { type: Boolean, required: true, default: false },
  },
  { timestamps: true, collection: 'orders', versionKey: false },
);
// Newest first per customer, per status and overall (keyset cursors on placedAt, _id).
orderSchema.index({ customerId: 1, placedAt: -1, _id: -1 });
orderSchema.index({ status: 1, placedAt: -1, _id: -1 });
orderSchema.index({ placedAt: -1, _id: -1 });
orderSchema.index({ tasks: 1, recoverAfter: 1 });
orderSchema.index({ outboxPending: 1 });
// Replicas write the same orders (recovery, the publisher, staff): see kit revisioned.
orderSchema.plugin(revisioned);

/**
 * One checkout attempt per customer and idempotency key: the key's
 * fingerprint, the order id chosen up front (so a retry reuses it), and
 * whether the attempt is still running.
 */
const checkoutSchema = new Schema(
  {
    /** sha256 of customer id and key: the key is scoped to its customer. */
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    /** sha256 of the checkout input; the same key with another input is refused. */
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['RUNNING', 'DONE'], required: true },
    orderId: { type: Schema.Types.ObjectId, required: true },
    /** A RUNNING attempt past this is presumed dead (a crash): recovery takes over. */
    leaseUntil: { type: Date, required: true },
  },
  { timestamps: true, collection: 'checkouts', versionKey: false },
);
checkoutSchema.index({ state: 1, leaseUntil: 1 });
checkoutSchema.index({ state: 1, createdAt: 1 });

const counterSchema = new Schema({ _id: { type: String, required: true }, seq: { type: Number, required: true } }, { collection: 'counters', versionKey: false });
counterSchema.plugin(revisioned);

/** What the built-in consumer of the order-events stream records, one per event id. */
const notificationSchema = new Schema(
  {
    /** The stream event id: a redelivered event finds its notification already there. */
    _id: { type: String, required: true },
    customerId: { type: String, required: true, index: true },
    orderId: { type: String, required: true },
    number: { type: String, required: true },
    type: { type: String, required: true },
    status: { type: String, required: true },
  },
  { timestamps: true, collection: 'notifications', versionKey: false },
);
notificationSchema.index({ createdAt: 1 });

export type Order = InferSchemaType<typeof orderSchema>;
export type Checkout = InferSchemaType<typeof checkoutSchema>;
export type Notification = InferSchemaType<typeof notificationSchema>;

/** A priced line (pricing.ts) as the order keeps it, under its cart line's id. */
export type OrderLineRecord = Omit<PricedLine, 'lineId'> & { _id: string };
export type { AddressSnapshot };
export interface OrderEventRecord {
  status: OrderStatus;
  at: Date;
  note: string | null;
}
export interface OutboxEntry {
  seq: number;
  type: string;
  data: string;
}

/** An order as read with lean(): what resolvers and domain functions pass around. */
export interface OrderRecord {
  _id: Types.ObjectId;
  number: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLineRecord[];
  currencyCode: string;
  subtotal: number;
  shippingTotal: number;
  total: number;
  shippingAddress: AddressSnapshot;
  shipment: { carrier: string; trackingNumber: string } | null;
  events: OrderEventRecord[];
  placedAt: Date;
  updatedAt: Date;
  cartId: string;
  reservationId: string;
  paymentKey: string;
  paymentToken: string | null;
  paymentFailure: { code: string; message: string } | null;
  tasks: OrderTask[];
  recoverAfter: Date;
  cancelReason: string | null;
  outbox: OutboxEntry[];
  outboxSeq: number;
  publishedSeq: number;
  outboxPending: boolean;
}

export interface CheckoutRecord {
  _id: string;
  customerId: string;
  fingerprint: string;
  state: 'RUNNING' | 'DONE';
  orderId: Types.ObjectId;
  leaseUntil: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrdersModels {
  Order: Model<Order>;
  Checkout: Model<Checkout>;
  Counter: Model<InferSchemaType<typeof counterSchema>>;
  Notification: Model<Notification>;
}

export function createModels(connection: Connection): OrdersModels {
  return {
    Order: connection.model('Order', orderSchema),
    Checkout: connection.model('Checkout', checkoutSchema),
    Counter: connection.model('Counter', counterSchema),
    Notification: connection.model('Notification', notificationSchema),
  };
}

/** A line as the API shows it: amounts need the order's currency. */
export type OrderLineView = OrderLineRecord & { currencyCode: string };
