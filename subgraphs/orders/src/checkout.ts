import { badUserInput, DomainError, graphqlError, ServiceCallError, userError, type UserError } from '@shopcart/kit';
import { chooseAddress, type AddressChoice, type AddressInput } from './address.js';
import type { CheckoutCart } from './clients.js';
import type { OrdersDeps } from './deps.js';
import {
  checkoutRecordId,
  claimCheckout,
  finishCheckout,
  fingerprintOf,
  forgetCheckout,
  MAX_KEY_LENGTH,
  reservationIdOf,
} from './idempotency.js';
import type { CheckoutOutcome } from './metrics.js';
import type { AddressSnapshot, CheckoutRecord, OrderRecord } from './model.js';
import { nextOrderNumber } from './orders.js';
import { priceOrder, stockLines, type PricedOrder } from './pricing.js';
import { applyChargeOutcome, chargeOrder } from './settlement.js';

export interface CheckoutInput {
  cartId?: string | null;
  shippingAddressId?: string | null;
  shippingAddress?: AddressInput | null;
  paymentToken: string;
  idempotencyKey: string;
}

export interface CheckoutResult {
  order: OrderRecord | null;
  userErrors: UserError[];
}

const PENDING = userError(
  'CHECKOUT_PENDING',
  'The order is placed but its payment is still being confirmed; it completes or is cancelled on its own within minutes. Read the order for its status.',
);

/*
 * Checkout as a saga (no distributed transaction):
 *   claim the key -> read and price the cart -> resolve the address ->
 *   reserve stock -> order PENDING_PAYMENT -> charge ->
 *   commit stock + CONFIRMED + clear cart   |   PAYMENT_FAILED + release stock
 * Every step is idempotent on the service it calls, keyed by ids chosen at
 * the claim (reservation and payment keys derive from the order id), and
 * every step after the order is created is recorded on the order first.
 * A crash anywhere leaves a claim or an order past its deadline, which the
 * recovery pass (recovery.ts) completes or compensates.
 */
export async function checkout(deps: OrdersDeps, customerId: string, input: CheckoutInput): Promise<CheckoutResult> {
  const key = input.idempotencyKey;
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) throw badUserInput(`idempotencyKey must be 1 to ${MAX_KEY_LENGTH} characters`, ['input', 'idempotencyKey']);
  if (input.paymentToken.trim().length === 0 || input.paymentToken.length > 255) {
    throw badUserInput('paymentToken must be 1 to 255 characters', ['input', 'paymentToken']);
  }
  const count = (outcome: CheckoutOutcome) => deps.metrics.checkouts.inc({ outcome });
  let address: AddressChoice;
  try {
    address = chooseAddress(input);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    count('rejected');
    return { order: null, userErrors: [err.toUserError()] };
  }
  const fingerprint = fingerprintOf({
    cartId: input.cartId ?? null,
    address,
    paymentToken: input.paymentToken,
  });
  const recordId = checkoutRecordId(customerId, key);
  const lockKey = `checkout:${recordId}`;
  const attempt = async (): Promise<CheckoutResult> => {
    const claim = await claimCheckout(deps, recordId, customerId, fingerprint);
    if (claim.kind === 'reused') {
      count('key_reused');
      return { order: null, userErrors: [userError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was used for a different checkout; use a new key', ['input', 'idempotencyKey'])] };
    }
    if (claim.kind === 'replay') {
      count('replayed');
      return resultOf(claim.order);
    }
    const orderId = String(claim.record.orderId);
    deps.active.add(orderId);
    try {
      deps.crash('after-claim');
      const result = await placeOrder(deps, claim.record, customerId, input, address);
      count(outcomeOf(result));
      return result;
    } catch (err) {
      count('error');
      throw err;
    } finally {
      deps.active.delete(orderId);
    }
  };
  // A retry while this process runs a call with the key does not queue behind that whole
  // checkout: it meets the call's claim as a call on another replica would, and answers
  // with its order once it has one (claimCheckout, RETRY_PATIENCE_MS).
  if (deps.locks.busy(lockKey)) return attempt();
  return deps.locks.run(lockKey, attempt);
}

/** The answer for an order, on the first call and on every replay of its key. */
export function resultOf(order: OrderRecord): CheckoutResult {
  if (order.status === 'PENDING_PAYMENT') return { order, userErrors: [PENDING] };
  if (order.status === 'PAYMENT_FAILED' && order.paymentFailure) return { order, userErrors: [userError(order.paymentFailure.code, order.paymentFailure.message)] };
  return { order, userErrors: [] };
}

function outcomeOf(result: CheckoutResult): CheckoutOutcome {
  const code = result.userErrors[0]?.code;
  if (!result.order) return code === 'OUT_OF_STOCK' ? 'out_of_stock' : code === 'CART_EMPTY' ? 'cart_empty' : 'rejected';
  if (result.order.status === 'PENDING_PAYMENT') return 'pending';
  return result.order.status === 'PAYMENT_FAILED' ? 'payment_failed' : 'confirmed';
}

async function placeOrder(deps: OrdersDeps, record: CheckoutRecord, customerId: string, input: CheckoutInput, choice: AddressChoice): Promise<CheckoutResult> {
  const orderId = String(record.orderId);
  const reservationId = reservationIdOf(orderId);
  // From the reserve call on, a hold may exist, even when the call failed.
  let mayHold = false;
  let order: OrderRecord;
  try {
    const cart = await readCart(deps, input.cartId ?? null, customerId);
    const priced = priceOrder(cart.lines, deps.shipping);
    const shippingAddress = await resolveAddress(deps, customerId, choice, orderId);
    mayHold = true;
    const reservation = await deps.services.reserveStock(reservationId, stockLines(priced.lines), deps.reservationTtlSeconds);
    if (reservation.status !== 'HELD') {
      mayHold = false;
      throw outOfStock(priced, reservation.shortSkus);
    }
    deps.crash('after-reserve');
    order = await createOrder(deps, { orderId, customerId, cartId: cart.id, reservationId, priced, shippingAddress, paymentToken: input.paymentToken });
  } catch (err) {
    // No order: nothing was charged. Stock held for this attempt goes back
    // (a failed release is left to the hold's expiry) and no result is kept.
    if (mayHold) await deps.services.releaseReservation(reservationId).catch((releaseErr: unknown) => deps.logger.warn({ orderId, err: String(releaseErr) }, 'release after a failed checkout failed; the hold expires'));
    await forgetCheckout(deps, record);
    if (err instanceof DomainError) return { order: null, userErrors: [err.toUserError()] };
    throw err;
  }
  deps.crash('after-order');
  order = await chargeAndSettle(deps, order, input.paymentToken);
  await finishCheckout(deps, record);
  return resultOf(order);
}

/**
 * A definite outcome settles the order now. No answer, or an error, means
 * the outcome is unknown: the order stays PENDING_PAYMENT and recovery asks
 * payments later. Never a guess, never a second charge.
 */
async function chargeAndSettle(deps: OrdersDeps, order: OrderRecord, paymentToken: string): Promise<OrderRecord> {
  const orderId = String(order._id);
  try {
    const result = await chargeOrder(deps, order, paymentToken);
    if (result.outcome === 'SUCCEEDED') deps.crash('after-charge');
    return await applyChargeOutcome(deps, order, result);
  } catch (err) {
    deps.logger.warn({ orderId, err: err instanceof Error ? err.message : String(err) }, 'checkout could not settle the payment now; recovery completes it');
    return order;
  }
}

async function readCart(deps: OrdersDeps, cartId: string | null, customerId: string): Promise<CheckoutCart> {
  let cart: CheckoutCart | null;
  try {
    cart = await deps.services.checkoutCart(cartId, customerId);
  } catch (err) {
    // Someone else's cart answers exactly like a missing one.
    if (err instanceof ServiceCallError && ['FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT'].includes(err.code)) cart = null;
    else throw err;
  }
  if (!cart && cartId) throw new DomainError('CART_NOT_FOUND', 'No such cart', ['input', 'cartId']);
  if (!cart || cart.lines.length === 0) throw new DomainError('CART_EMPTY', 'The cart is empty', ['input', 'cartId']);
  return cart;
}

async function resolveAddress(deps: OrdersDeps, customerId: string, choice: AddressChoice, orderId: string): Promise<AddressSnapshot> {
  // An inline address gets an id of its own, stable for the order.
  if (choice.kind === 'inline') return { id: `${orderId}-shipping`, ...choice.address };
  const saved = await deps.services.checkoutAddress(customerId, choice.addressId).catch((err: unknown) => {
    if (err instanceof ServiceCallError && err.code === 'BAD_USER_INPUT') return null;
    throw err;
  });
  if (!saved) throw new DomainError('INVALID_ADDRESS', 'No saved address of yours has this id', ['input', 'shippingAddressId']);
  return saved;
}

function outOfStock(priced: PricedOrder, shortSkus: readonly string[]): DomainError {
  const short = priced.lines.filter((line) => shortSkus.includes(line.sku));
  const named = short.length > 0 ? short.map((line) => `${line.title} (${line.sku})`).join(', ') : shortSkus.join(', ');
  return new DomainError('OUT_OF_STOCK', `Not enough stock for: ${named}`, ['input', 'cartId']);
}

interface NewOrder {
  orderId: string;
  customerId: string;
  cartId: string;
  reservationId: string;
  priced: PricedOrder;
  shippingAddress: AddressSnapshot;
  paymentToken: string;
}

async function createOrder(deps: OrdersDeps, draft: NewOrder): Promise<OrderRecord> {
  const now = new Date();
  const { priced } = draft;
  const created = await deps.models.Order.create({
    _id: draft.orderId,
    number: await nextOrderNumber(deps),
    customerId: draft.customerId,
    status: 'PENDING_PAYMENT',
    lines: priced.lines.map((line) => ({ _id: line.lineId, ...line })),
    currencyCode: priced.currencyCode,
    subtotal: priced.subtotal,
    shippingTotal: priced.shippingTotal,
    total: priced.total,
    shippingAddress: draft.shippingAddress,
    events: [{ status: 'PENDING_PAYMENT', at: now, note: null }],
    placedAt: now,
    cartId: draft.cartId,
    reservationId: draft.reservationId,
    paymentKey: `order-${draft.orderId}`,
    paymentToken: draft.paymentToken,
    tasks: ['settlePayment'],
    recoverAfter: new Date(now.getTime() + deps.recoverAfterMs),
  });
  if (!created) throw graphqlError('INTERNAL_SERVER_ERROR', 'order not created');
  return created.toObject() as unknown as OrderRecord;
}
