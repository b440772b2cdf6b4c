import { badUserInput, isDuplicateKey } from '@shopcart/kit';
import type { PaymentsDeps } from './deps.js';
import { paymentError, providerUnavailable } from './errors.js';
import type { FailureCode, PaymentRecord } from './model.js';
import { askProvider } from './providerCalls.js';
import type { AuthorizeRequest, ProviderCallOptions } from './providers/provider.js';
import { applyProviderCharge, findByKey, orderLock } from './records.js';

/** A charge asks the provider to authorize (then capture) exactly what the caller asked for. */
export type ChargeRequest = AuthorizeRequest;

export type ChargeOutcome = 'SUCCEEDED' | FailureCode;

export interface ChargeResult {
  outcome: ChargeOutcome;
  payment: PaymentRecord;
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const MAX_ID_LENGTH = 255;

function requireText(value: string, field: string): void {
  if (value.trim().length === 0 || value.length > MAX_ID_LENGTH) throw badUserInput(`${field} must be 1 to ${MAX_ID_LENGTH} characters`, ['input', field]);
}

/** Everything a charge is refused for before anything is written or sent. */
export function validateChargeRequest(request: ChargeRequest): void {
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
    throw paymentError('INVALID_AMOUNT', 'amount must be a whole number of minor units above zero', ['input', 'amount']);
  }
  if (!CURRENCIES.has(request.currencyCode)) throw badUserInput('currencyCode must be an ISO 4217 code such as USD', ['input', 'currencyCode']);
  requireText(request.idempotencyKey, 'idempotencyKey');
  requireText(request.orderId, 'orderId');
  requireText(request.customerId, 'customerId');
  // An empty or unknown token is the provider's INVALID_TOKEN answer; only absurd sizes stop here.
  if (request.paymentToken.length > MAX_ID_LENGTH) throw badUserInput(`paymentToken must be at most ${MAX_ID_LENGTH} characters`, ['input', 'paymentToken']);
}

/**
 * Authorizes and captures, once per idempotency key: the intent is recorded
 * before the provider is called, a repeat finds it and finishes what is left
 * (the provider answers repeats of a key with the original result), and a
 * settled charge is answered from the record.
 */
export async function chargePayment(deps: PaymentsDeps, request: ChargeRequest): Promise<ChargeResult> {
  validateChargeRequest(request);
  return deps.locks.run(orderLock(request.orderId), async () => {
    const payment = (await findByKey(deps.models, request.idempotencyKey)) ?? (await recordChargeIntent(deps, request));
    assertSameCharge(payment, request);
    const settled = await settleCharge(deps, payment, request.paymentToken);
    return { outcome: outcomeOf(settled), payment: settled };
  });
}

/** Writes the PENDING intent; the unique key index settles a race with another writer of the same key. */
export async function recordChargeIntent(deps: PaymentsDeps, request: ChargeRequest): Promise<PaymentRecord> {
  // One live payment per order: a second key for it is a caller's bug, and must not become a second charge.
  const live = await deps.models.Payment.exists({ orderId: request.orderId, status: { $ne: 'FAILED' } });
  if (live) throw paymentError('ORDER_HAS_PAYMENT', 'This order already has a payment under another idempotency key', ['input', 'idempotencyKey']);
  try {
    const created = await deps.models.Payment.create({
      idempotencyKey: request.idempotencyKey,
      orderId: request.orderId,
      customerId: request.customerId,
      amount: request.amount,
      currencyCode: request.currencyCode,
      provider: deps.provider.name,
      status: 'PENDING',
    });
    return created.toObject() as unknown as PaymentRecord;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const winner = await findByKey(deps.models, request.idempotencyKey);
    if (!winner) throw err;
    return winner;
  }
}

function assertSameCharge(payment: PaymentRecord, request: ChargeRequest): void {
  const same =
    payment.orderId === request.orderId &&
    payment.customerId === request.customerId &&
    payment.amount === request.amount &&
    payment.currencyCode === request.currencyCode;
  if (!same) throw paymentError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for a different charge', ['input', 'idempotencyKey']);
}

/** Moves a charge on until it is settled (CAPTURED, FAILED or REFUNDED), or the provider stops answering. */
async function settleCharge(deps: PaymentsDeps, payment: PaymentRecord, paymentToken: string): Promise<PaymentRecord> {
  if (payment.status !== 'PENDING' && payment.status !== 'AUTHORIZED') return payment;
  if (payment.provider !== deps.provider.name) {
    deps.logger.error({ paymentId: String(payment._id), provider: payment.provider }, 'charge belongs to a provider that is not configured');
    throw providerUnavailable();
  }
  // Counted per attempt that reached the provider; a settled replay never gets here.
  const ask = async <T>(operation: string, call: (options: ProviderCallOptions) => Promise<T>): Promise<T> => {
    try {
      return await askProvider(deps, operation, call);
    } catch (err) {
      deps.metrics.charges.inc({ outcome: 'provider_unavailable' });
      throw err;
    }
  };
  let current = payment;
  if (current.status === 'PENDING') {
    const { idempotencyKey, orderId, customerId, amount, currencyCode } = current;
    const charge = await ask('authorize', (options) => deps.provider.authorize({ idempotencyKey, orderId, customerId, amount, currencyCode, paymentToken }, options));
    current = await applyProviderCharge(deps.models, current, charge);
  }
  if (current.status === 'AUTHORIZED') {
    const { idempotencyKey, providerChargeId } = current;
    const charge = await ask('capture', (options) => deps.provider.capture({ idempotencyKey: `${idempotencyKey}:capture`, chargeId: providerChargeId! }, options));
    current = await applyProviderCharge(deps.models, current, charge);
  }
  deps.metrics.charges.inc({ outcome: current.status === 'FAILED' ? current.failureCode!.toLowerCase() : 'succeeded' });
  return current;
}

function outcomeOf(payment: PaymentRecord): ChargeOutcome {
  if (payment.status === 'CAPTURED' || payment.status === 'REFUNDED') return 'SUCCEEDED';
  if (payment.status === 'FAILED' && payment.failureCode) return payment.failureCode;
  // A provider that left a capture unfinished: the charge is not settled yet.
  throw providerUnavailable();
}
