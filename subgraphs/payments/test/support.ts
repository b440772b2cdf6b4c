import { createIdentitySigner, createLogger, createServiceClient, createServiceSigner, importPrivateKey, type Viewer } from '@shopcart/kit';
import { inject } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';
import type { ChargeRequest } from '../src/charges.js';
import type { TestProvider } from '../src/providers/sandbox.js';
import type { PaymentsService } from '../src/server.js';

/** A platform with payments (and the router), plus ways to call payments directly. */
export interface PaymentsPlatform {
  platform: Platform;
  service: PaymentsService;
  url: string;
  /** The built-in test provider the service charges through, with its ledger. */
  provider: TestProvider;
  /** Payments as orders calls it: a service-signed identity. */
  call<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Calls payments directly with a router-signed identity. */
  asViewer(viewer: Partial<Omit<Viewer, 'issuer'>>, query: string, variables?: Record<string, unknown>): ReturnType<typeof postGraphQL<any>>;
}

export async function startPaymentsPlatform(env: Record<string, string> = {}): Promise<PaymentsPlatform> {
  const platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), subgraphs: ['payments'], env });
  const url = platform.subgraphUrls.payments!;
  const signer = await createServiceSigner('orders', platform.keys.services.orders!.privateKey);
  const client = createServiceClient({ callee: 'payments', url, signer: signer!, logger: createLogger('test', 'silent') });
  const router = createIdentitySigner('shopcart-router', await importPrivateKey(platform.keys.routerPrivate));
  const service = platform.services.payments as PaymentsService;
  return {
    platform,
    service,
    url,
    provider: service.payments.provider as TestProvider,
    call: (query, variables) => client.request(query, variables),
    asViewer: async (viewer, query, variables) =>
      postGraphQL<any>(url, query, variables, { token: await router.sign('payments', { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer }) }),
  };
}

/** The GraphQL error a service call failed with (the service client throws on errors), and its code. */
export { callError, errorCode } from '@shopcart/testing';

const PAYMENT_FIELDS = 'id status amount { amount currencyCode } provider last4 failureReason';
export const CHARGE = `mutation Charge($input: ChargeInput!) { chargePayment(input: $input) { outcome payment { ${PAYMENT_FIELDS} } } }`;
export const REFUND = `mutation Refund($orderId: ID!, $reason: String) { refundPayment(orderId: $orderId, reason: $reason) { ${PAYMENT_FIELDS} } }`;
export const PAYMENT_FOR_ORDER = `query PaymentForOrder($orderId: ID!) { paymentForOrder(orderId: $orderId) { ${PAYMENT_FIELDS} } }`;

export interface PaymentResult {
  id: string;
  status: 'AUTHORIZED' | 'CAPTURED' | 'FAILED' | 'REFUNDED';
  amount: { amount: string; currencyCode: string };
  provider: string;
  last4: string | null;
  failureReason: string | null;
}

export interface ChargeResultShape {
  outcome: 'SUCCEEDED' | 'DECLINED' | 'INVALID_TOKEN';
  payment: PaymentResult;
}

/** Typed shortcuts for the internal operations, as orders calls them. */
/** The platform and its typed operations, as most test files start. */
export async function startPaymentsSuite(env: Record<string, string> = {}): Promise<{ p: PaymentsPlatform; ops: PaymentOps }> {
  const p = await startPaymentsPlatform(env);
  return { p, ops: paymentOps(p) };
}

export type PaymentOps = ReturnType<typeof paymentOps>;

export function paymentOps(p: PaymentsPlatform) {
  return {
    charge: async (input: ChargeRequest) => (await p.call<{ chargePayment: ChargeResultShape }>(CHARGE, { input })).chargePayment,
    refund: async (orderId: string, reason?: string) => (await p.call<{ refundPayment: PaymentResult | null }>(REFUND, { orderId, reason })).refundPayment,
    paymentForOrder: async (orderId: string) => (await p.call<{ paymentForOrder: PaymentResult | null }>(PAYMENT_FOR_ORDER, { orderId })).paymentForOrder,
    /** Local records of an order, oldest first. */
    records: (orderId: string) => p.service.models.Payment.find({ orderId }).sort({ createdAt: 1 }).lean(),
    /** What the provider's ledger holds for a charge key, and its refunds. */
    ledger: async (idempotencyKey: string) => {
      const charge = await p.provider.ledger.Charge.findById(idempotencyKey).lean();
      const refunds = charge ? await p.provider.ledger.Refund.find({ chargeId: charge.chargeId }).lean() : [];
      return { charge, refunds };
    },
  };
}

/** Provider calls made so far for an operation, from the service's own latency histogram. */
export async function providerCalls(p: PaymentsPlatform, operation: string): Promise<number> {
  const { values } = await p.service.payments.metrics.providerDuration.get();
  return values.filter((v) => v.metricName?.endsWith('_count') && v.labels.operation === operation).reduce((sum, v) => sum + v.value, 0);
}

/** A charge counter's value for one outcome. */
export async function chargesCounted(p: PaymentsPlatform, outcome: string): Promise<number> {
  const { values } = await p.service.payments.metrics.charges.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

let counter = 0;
/** Unique per test, so tests in one file never share orders or keys. */
export const uniqueId = (name: string) => `${name}-${process.pid}-${++counter}`;

export function chargeInput(overrides: Partial<ChargeRequest> = {}): ChargeRequest {
  return {
    idempotencyKey: uniqueId('key'),
    orderId: uniqueId('order'),
    customerId: 'customer-1',
    amount: 1999,
    currencyCode: 'USD',
    paymentToken: 'tok_visa',
    ...overrides,
  };
}
