import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDuplicateKey } from '@shopcart/kit';
import { Schema, type Connection, type Model } from 'mongoose';
import type { PaymentProvider, ProviderCallOptions, ProviderCharge, ProviderChargeStatus, ProviderRefund } from './provider.js';

/**
 * The built-in sandbox provider (PAYMENT_PROVIDER=test) for development,
 * tests and demos: it moves no money and answers the contract's test
 * tokens. It keeps its own ledger, in
 * collections payments itself never reads, because it plays the external
 * provider: a charge it recorded stays findable by idempotency key even when
 * payments crashed before writing its own record.
 */

const TOKENS: Record<string, { status: ProviderChargeStatus; last4: string; failureReason: string | null }> = {
  tok_visa: { status: 'AUTHORIZED', last4: '4242', failureReason: null },
  // The card behind Stripe's tok_chargeDeclined ends in 0002.
  tok_chargeDeclined: { status: 'DECLINED', last4: '0002', failureReason: 'The card was declined' },
};
const INVALID_TOKEN = { status: 'INVALID_TOKEN' as const, last4: null, failureReason: 'The payment token is not valid' };

const chargeSchema = new Schema(
  {
    /** The authorize idempotency key: a repeat finds this document instead of charging again. */
    _id: { type: String, required: true },
    chargeId: { type: String, required: true, unique: true },
    orderId: { type: String, required: true },
    amount: { type: Number, required: true },
    currencyCode: { type: String, required: true },
    status: { type: String, enum: ['AUTHORIZED', 'CAPTURED', 'DECLINED', 'INVALID_TOKEN'], required: true },
    last4: { type: String, default: null },
    failureReason: { type: String, default: null },
  },
  { collection: 'test_provider_charges', timestamps: true, versionKey: false },
);

const refundSchema = new Schema(
  {
    /** The refund idempotency key. */
    _id: { type: String, required: true },
    refundId: { type: String, required: true },
    chargeId: { type: String, required: true, index: true },
    amount: { type: Number, required: true },
  },
  { collection: 'test_provider_refunds', timestamps: true, versionKey: false },
);

interface ChargeDoc {
  _id: string;
  chargeId: string;
  orderId: string;
  amount: number;
  currencyCode: string;
  status: ProviderChargeStatus;
  last4: string | null;
  failureReason: string | null;
}

interface RefundDoc {
  _id: string;
  refundId: string;
  chargeId: string;
  amount: number;
  createdAt: Date;
}

export interface TestProviderLedger {
  Charge: Model<ChargeDoc>;
  Refund: Model<RefundDoc>;
}

export interface TestProvider extends PaymentProvider {
  /** The provider's own records, for tests that check what it was asked to do. */
  ledger: TestProviderLedger;
}

const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;

/**
 * Inserts a document keyed by its idempotency key, or returns the one already
 * there; `created` says which. The insert goes first: a new key, the common
 * case, costs one command.
 */
async function insertOnce<T extends { _id: string }>(model: Model<T>, doc: T): Promise<{ doc: T; created: boolean }> {
  try {
    await model.create(doc);
    return { doc, created: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const found = await model.findById(doc._id).lean<T>();
    if (!found) throw err;
    return { doc: found, created: false };
  }
}

export async function createTestProvider(connection: Connection, options: { delayMs: number }): Promise<TestProvider> {
  const ledger: TestProviderLedger = {
    Charge: connection.model<ChargeDoc>('TestProviderCharge', chargeSchema),
    Refund: connection.model<RefundDoc>('TestProviderRefund', refundSchema),
  };
  await Promise.all([ledger.Charge.init(), ledger.Refund.init()]);

  // Like a provider that did the work and answered late: the ledger is already written.
  const answer = async <T>(value: T, { signal }: ProviderCallOptions): Promise<T> => {
    if (options.delayMs > 0) await sleep(options.delayMs, undefined, { signal });
    return value;
  };

  const refundsOf = async (chargeId: string): Promise<ProviderRefund[]> => {
    const refunds = await ledger.Refund.find({ chargeId }).sort({ createdAt: 1 }).lean<RefundDoc[]>();
    return refunds.map(toRefund);
  };

  const chargeById = async (chargeId: string): Promise<ChargeDoc> => {
    const charge = await ledger.Charge.findOne({ chargeId }).lean<ChargeDoc>();
    if (!charge) throw new Error(`test provider: no charge ${chargeId}`);
    return charge;
  };

  return {
    name: 'test',
    ledger,

    async authorize(request, callOptions) {
      const outcome = TOKENS[request.paymentToken] ?? INVALID_TOKEN;
      const { doc: charge, created } = await insertOnce(ledger.Charge, {
        _id: request.idempotencyKey,
        chargeId: newId('ch'),
        orderId: request.orderId,
        amount: request.amount,
        currencyCode: request.currencyCode,
        ...outcome,
      });
      // Only a captured charge can have refunds: a charge made just now has none.
      return answer(toCharge(charge, created ? [] : await refundsOf(charge.chargeId)), callOptions);
    },

    async capture(request, callOptions) {
      // The usual capture, of an authorized charge, is one command; it had no refunds before.
      const captured = await ledger.Charge.findOneAndUpdate({ chargeId: request.chargeId, status: 'AUTHORIZED' }, { $set: { status: 'CAPTURED' } }, { new: true }).lean<ChargeDoc>();
      if (captured) return answer(toCharge(captured, []), callOptions);
      const charge = await chargeById(request.chargeId);
      if (charge.status !== 'CAPTURED') throw new Error(`test provider: cannot capture a ${charge.status} charge`);
      return answer(toCharge(charge, await refundsOf(charge.chargeId)), callOptions);
    },

    async refund(request, callOptions) {
      const charge = await chargeById(request.chargeId);
      const existing = await ledger.Refund.findById(request.idempotencyKey).lean<RefundDoc>();
      if (!existing) {
        if (charge.status !== 'CAPTURED') throw new Error(`test provider: cannot refund a ${charge.status} charge`);
        const refunded = (await refundsOf(charge.chargeId)).reduce((sum, refund) => sum + refund.amount, 0);
        if (refunded + request.amount > charge.amount) throw new Error('test provider: refund exceeds the charge');
      }
      const refund = existing ?? (await insertOnce(ledger.Refund, { _id: request.idempotencyKey, refundId: newId('re'), chargeId: charge.chargeId, amount: request.amount, createdAt: new Date() })).doc;
      return answer(toRefund(refund), callOptions);
    },

    async lookup(idempotencyKey) {
      const charge = await ledger.Charge.findById(idempotencyKey).lean<ChargeDoc>();
      return charge ? toCharge(charge, await refundsOf(charge.chargeId)) : null;
    },
  };
}

function toCharge(charge: ChargeDoc, refunds: ProviderRefund[]): ProviderCharge {
  return {
    chargeId: charge.chargeId,
    idempotencyKey: charge._id,
    status: charge.status,
    amount: charge.amount,
    currencyCode: charge.currencyCode,
    last4: charge.last4,
    failureReason: charge.failureReason,
    refunds,
  };
}

function toRefund(refund: RefundDoc): ProviderRefund {
  return { refundId: refund.refundId, idempotencyKey: refund._id, amount: refund.amount, createdAt: refund.createdAt };
}
