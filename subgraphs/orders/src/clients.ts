import { graphqlError, serviceClientFactory, type AddressSnapshot, type ChargeRequest, type Logger, type Money, type ServiceClient } from '@shopcart/kit';
import type { OrdersEnv } from './env.js';
import type { CheckoutLineInput } from './pricing.js';

/** The internal operations of other services that orders calls, with its own identity (`orders`). */

export interface CheckoutCart {
  id: string;
  lines: CheckoutLineInput[];
  subtotal: Money;
}

export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'REJECTED' | 'RESTOCKED';
export interface Reservation {
  id: string;
  status: ReservationStatus;
  shortSkus: string[];
}

export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'FAILED' | 'REFUNDED';
export interface Payment {
  id: string;
  status: PaymentStatus;
  failureReason: string | null;
}
export type ChargeInput = ChargeRequest;
export interface ChargeResult {
  outcome: 'SUCCEEDED' | 'DECLINED' | 'INVALID_TOKEN';
  payment: Payment;
}

export interface Services {
  checkoutCart(cartId: string | null, userId: string): Promise<CheckoutCart | null>;
  clearCart(cartId: string, userId: string, orderId: string): Promise<void>;
  checkoutAddress(userId: string, addressId: string): Promise<AddressSnapshot | null>;
  reserveStock(reservationId: string, lines: Array<{ sku: string; quantity: number }>, ttlSeconds: number): Promise<Reservation>;
  commitReservation(reservationId: string): Promise<Reservation>;
  releaseReservation(reservationId: string): Promise<Reservation>;
  restockReservation(reservationId: string): Promise<Reservation>;
  chargePayment(input: ChargeInput): Promise<ChargeResult>;
  paymentForOrder(orderId: string): Promise<Payment | null>;
  refundPayment(orderId: string, reason: string | null): Promise<Payment | null>;
}

const PAYMENT = 'id status failureReason';
const RESERVATION = 'id status shortSkus';

const OPS = {
  checkoutCart: `query CheckoutCart($cartId: ID, $userId: ID!) {
    checkoutCart(cartId: $cartId, userId: $userId) { id subtotal { amount currencyCode }
      lines { id variantId sku title quantity purchasable unitPrice { amount currencyCode } } } }`,
  clearCart: 'mutation ClearCart($cartId: ID!, $userId: ID!, $orderId: ID!) { clearCart(cartId: $cartId, userId: $userId, orderId: $orderId) }',
  checkoutAddress: `query CheckoutAddress($userId: ID!, $addressId: ID!) {
    checkoutAddress(userId: $userId, addressId: $addressId) { id fullName line1 line2 city region postalCode countryCode phone } }`,
  reserveStock: `mutation ReserveStock($id: ID!, $lines: [StockLineInput!]!, $ttl: Int!) {
    reserveStock(reservationId: $id, lines: $lines, ttlSeconds: $ttl) { ${RESERVATION} } }`,
  commitReservation: `mutation CommitReservation($id: ID!) { commitReservation(reservationId: $id) { ${RESERVATION} } }`,
  releaseReservation: `mutation ReleaseReservation($id: ID!) { releaseReservation(reservationId: $id) { ${RESERVATION} } }`,
  restockReservation: `mutation RestockReservation($id: ID!) { restockReservation(reservationId: $id) { ${RESERVATION} } }`,
  chargePayment: `mutation ChargePayment($input: ChargeInput!) { chargePayment(input: $input) { outcome payment { ${PAYMENT} } } }`,
  paymentForOrder: `query PaymentForOrder($orderId: ID!) { paymentForOrder(orderId: $orderId) { ${PAYMENT} } }`,
  refundPayment: `mutation RefundPayment($orderId: ID!, $reason: String) { refundPayment(orderId: $orderId, reason: $reason) { ${PAYMENT} } }`,
};

/** Without its signing key orders cannot call anyone: checkout answers SERVICE_UNAVAILABLE. */
function unavailableClient(): ServiceClient {
  return {
    request: () => Promise.reject(graphqlError('SERVICE_UNAVAILABLE', 'A service needed for this request is unavailable; try again shortly')),
  };
}

export async function createServices(env: OrdersEnv, logger: Logger): Promise<Services> {
  const connect = await serviceClientFactory('orders', env.SERVICE_PRIVATE_KEY, logger);
  if (!env.SERVICE_PRIVATE_KEY) logger.warn('SERVICE_PRIVATE_KEY is not set: checkout cannot call cart, inventory, payments or users');
  const client = (callee: string, url: string, timeoutMs: number) => connect(callee, url, { timeoutMs }) ?? unavailableClient();
  const cart = client('cart', env.CART_URL, env.SERVICE_TIMEOUT_MS);
  const users = client('users', env.USERS_URL, env.SERVICE_TIMEOUT_MS);
  const inventory = client('inventory', env.INVENTORY_URL, env.SERVICE_TIMEOUT_MS);
  const payments = client('payments', env.PAYMENTS_URL, env.PAYMENTS_TIMEOUT_MS);
  return servicesFrom({ cart, users, inventory, payments });
}

export function servicesFrom(clients: { cart: ServiceClient; users: ServiceClient; inventory: ServiceClient; payments: ServiceClient }): Services {
  const { cart, users, inventory, payments } = clients;
  return {
    checkoutCart: async (cartId, userId) => (await cart.request<{ checkoutCart: CheckoutCart | null }>(OPS.checkoutCart, { cartId, userId })).checkoutCart,
    clearCart: async (cartId, userId, orderId) => {
      await cart.request(OPS.clearCart, { cartId, userId, orderId });
    },
    checkoutAddress: async (userId, addressId) =>
      (await users.request<{ checkoutAddress: AddressSnapshot | null }>(OPS.checkoutAddress, { userId, addressId })).checkoutAddress,
    reserveStock: async (id, lines, ttl) => (await inventory.request<{ reserveStock: Reservation }>(OPS.reserveStock, { id, lines, ttl })).reserveStock,
    commitReservation: async (id) => (await inventory.request<{ commitReservation: Reservation }>(OPS.commitReservation, { id })).commitReservation,
    releaseReservation: async (id) => (await inventory.request<{ releaseReservation: Reservation }>(OPS.releaseReservation, { id })).releaseReservation,
    restockReservation: async (id) => (await inventory.request<{ restockReservation: Reservation }>(OPS.restockReservation, { id })).restockReservation,
    chargePayment: async (input) => (await payments.request<{ chargePayment: ChargeResult }>(OPS.chargePayment, { input })).chargePayment,
    paymentForOrder: async (orderId) => (await payments.request<{ paymentForOrder: Payment | null }>(OPS.paymentForOrder, { orderId })).paymentForOrder,
    refundPayment: async (orderId, reason) => (await payments.request<{ refundPayment: Payment | null }>(OPS.refundPayment, { orderId, reason })).refundPayment,
  };
}
