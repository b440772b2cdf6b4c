import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

export const PAYMENT_STATUSES = ['PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'REFUNDED'] as const;
export type PaymentRecordStatus = (typeof PAYMENT_STATUSES)[number];

const refundSchema = new Schema(
  {
    /** Sent to the provider, so a retried refund never refunds twice. */
    idempotencyKey: { type: String, required: true },
    providerRefundId: { type: String, required: true },
    amount: { type: Number, required: true },
    reason: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

const refundRequestSchema = new Schema(
  {
    idempotencyKey: { type: String, required: true },
    reason: { type: String, default: null },
    requestedAt: { type: Date, required: true },
  },
  { _id: false },
);

// One document per charge attempt. It is written as PENDING before the
// provider is called, so a crash between the provider's answer and our own
// write still leaves the idempotency key to ask the provider with.
const paymentSchema = new Schema(
  {
    /** Unique: the index, not a read-then-write, is what makes two writers of one key agree. */
    idempotencyKey: { type: String, required: true, unique: true },
    orderId: { type: String, required: true },
    customerId: { type: String, required: true },
    /** Integer minor units. */
    amount: { type: Number, required: true },
    currencyCode: { type: String, required: true },
    /** The provider this charge went to; it is the one asked to finish or reconcile it. */
    provider: { type: String, required: true },
    /** PENDING is internal: the provider may or may not have seen the charge yet. */
    status: { type: String, enum: PAYMENT_STATUSES, required: true },
    providerChargeId: { type: String, default: null },
    last4: { type: String, default: null },
    /** Why a FAILED charge failed, for the outcome a replay returns. */
    failureCode: { type: String, enum: ['DECLINED', 'INVALID_TOKEN', null], default: null },
    failureReason: { type: String, default: null },
    refunds: { type: [refundSchema], default: [] },
    /** Set before the provider is asked to refund, cleared once the refund is recorded. */
    refundRequest: { type: refundRequestSchema, default: null },
  },
  { timestamps: true, collection: 'payments', versionKey: false },
);
// Latest attempt of an order first: Order.payment and paymentForOrder read it this way.
paymentSchema.index({ orderId: 1, createdAt: -1 });

export type Payment = InferSchemaType<typeof paymentSchema>;
export type RefundRecord = InferSchemaType<typeof refundSchema>;
export type FailureCode = 'DECLINED' | 'INVALID_TOKEN';

/** A payment as read with lean(): what resolvers and domain functions pass around. */
export type PaymentRecord = Omit<Payment, 'status' | 'failureCode' | 'refunds' | 'refundRequest'> & {
  _id: Types.ObjectId;
  status: PaymentRecordStatus;
  failureCode: FailureCode | null;
  refunds: RefundRecord[];
  refundRequest: { idempotencyKey: string; reason: string | null; requestedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
};

export interface PaymentModels {
  Payment: Model<Payment>;
}

export function createModels(connection: Connection): PaymentModels {
  return {
    Payment: connection.model('Payment', paymentSchema),
  };
}

/** An order as payments knows it: only its id, from the router's entity reference. */
export interface OrderRef {
  id: string;
}
