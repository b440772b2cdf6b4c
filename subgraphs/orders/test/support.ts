import { randomUUID } from 'node:crypto';
import type { InventoryService } from '@shopcart/inventory';
import type { PaymentsService } from '@shopcart/payments';
import { inject } from 'vitest';
import { startPlatform, CREATE_PRODUCT, type GqlResponse, type Platform } from '@shopcart/testing';
import type { OrdersService } from '../src/server.js';

/** Every subgraph checkout touches, in-process, behind a router. */
export const ORDERS_SUBGRAPHS = ['users', 'inventory', 'products', 'payments', 'cart', 'orders'];

type Gql = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GqlResponse<T>>;

export const ORDER_FIELDS = `id number status placedAt updatedAt
  customer { id email }
  lines { id sku title quantity variant { id sku } unitPrice { amount currencyCode } lineTotal { amount currencyCode } }
  subtotal { amount currencyCode } shippingTotal { amount currencyCode } total { amount currencyCode }
  shippingAddress { id fullName line1 line2 city region postalCode countryCode phone isDefault }
  payment { status amount { amount currencyCode } provider last4 }
  shipment { carrier trackingNumber }
  events { status at note }`;

export const CHECKOUT = `mutation Checkout($input: CheckoutInput!) {
  checkout(input: $input) { order { ${ORDER_FIELDS} } userErrors { code field message } }
}`;
export const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
export const CANCEL = `mutation Cancel($id: ID!, $reason: String) {
  cancelOrder(id: $id, reason: $reason) { order { ${ORDER_FIELDS} } userErrors { code field message } }
}`;
export const UPDATE_STATUS = `mutation UpdateStatus($id: ID!, $status: OrderStatus!, $note: String, $shipment: ShipmentInput) {
  updateOrderStatus(id: $id, status: $status, note: $note, shipment: $shipment) { order { ${ORDER_FIELDS} } userErrors { code field message } }
}`;
export const ADD_TO_CART = `mutation Add($cartId: ID, $lines: [CartLineInput!]!) {
  cartAddLines(cartId: $cartId, lines: $lines) { cart { id totalQuantity } userErrors { code message } }
}`;
export const CART = 'query Cart($id: ID) { cart(id: $id) { id totalQuantity lines { id quantity } } }';

export const ADDRESS = { fullName: 'Ada Lovelace', line1: '12 Analytical Row', city: 'London', postalCode: 'NW1 6XE', countryCode: 'GB' };

export interface Customer {
  id: string;
  email: string;
  token: string;
  gql: Gql;
  addressId: string;
  /** Adds to the customer's own cart; returns the cart id. */
  add(variantId: string, quantity?: number): Promise<string>;
  /** Checks out the customer's cart to the saved address with tok_visa and a fresh key, unless overridden. */
  checkout(input?: Record<string, unknown>): Promise<GqlResponse<any>>;
}

export interface Variant {
  id: string;
  sku: string;
  productId: string;
}

export interface OrdersPlatform {
  platform: Platform;
  service: OrdersService;
  inventory: InventoryService;
  payments: PaymentsService;
  admin: Gql;
  adminId: string;
  anonymous: Gql;
  customer(name?: string): Promise<Customer>;
  /** An ACTIVE product with one variant at this price and stock. */
  variant(price: string, stock: number, title?: string): Promise<Variant>;
  /** Sellable units of a SKU now. */
  available(sku: string): Promise<number>;
  /** Reservation ids still holding units of a SKU. */
  holds(sku: string): Promise<string[]>;
  /** Charges the payment provider recorded for an order (the provider's own ledger). */
  providerCharges(orderId: string): Promise<Array<{ status: string; amount: number }>>;
  /** Payment records of an order in payments, oldest first. */
  paymentsOf(orderId: string): Promise<Array<{ status: string; amount: number; refunds: unknown[] }>>;
  stop(): Promise<void>;
}

let counter = 0;
export const unique = (name: string) => `${name}-${process.pid}-${++counter}`;

export async function startOrdersPlatform(env: Record<string, string> = {}, options: { subgraphs?: string[] } = {}): Promise<OrdersPlatform> {
  const platform = await startPlatform({
    mongoUrl: inject('mongoUrl'),
    redisUrl: inject('redisUrl'),
    subgraphs: options.subgraphs ?? ORDERS_SUBGRAPHS,
    // Recovery stays out of the way unless a test asks for it. The suite runs on
    // a small shared machine where a checkout under load can outlast the router's
    // production budget; these tests are about outcomes, not latency.
    env: { RECOVERY_INTERVAL_MS: '3600000', SUBGRAPH_TIMEOUT_MS: '60000', ROUTER_REQUEST_TIMEOUT_MS: '60000', ...env },
  });
  const login = await platform.gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken user { id } } }');
  const adminToken = login.data.login.accessToken as string;
  const admin: Gql = (query, variables) => platform.gql(query, variables, { token: adminToken });
  const inventory = platform.services.inventory as InventoryService;
  const payments = platform.services.payments as PaymentsService;
  const service = platform.services.orders as OrdersService;

  return {
    platform,
    service,
    inventory,
    payments,
    admin,
    adminId: login.data.login.user.id,
    anonymous: (query, variables) => platform.gql(query, variables),
    async customer(name = 'buyer') {
      const email = `${unique(name)}@example.com`.toLowerCase();
      const r = await platform.gql('mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } userErrors { code } } }', {
        i: { email, password: 'correct horse battery', name },
      });
      if (!r.data?.register?.accessToken) throw new Error(`register failed: ${JSON.stringify(r.body)}`);
      const token = r.data.register.accessToken as string;
      const gql: Gql = (query, variables) => platform.gql(query, variables, { token });
      const added = await gql('mutation($i: AddressInput!) { addAddress(input: $i) { address { id } } }', { i: ADDRESS });
      const addressId = added.data.addAddress.address.id as string;
      return {
        id: r.data.register.user.id,
        email,
        token,
        gql,
        addressId,
        async add(variantId, quantity = 1) {
          const res = await gql(ADD_TO_CART, { lines: [{ variantId, quantity }] });
          if (!res.data?.cartAddLines?.cart) throw new Error(`cartAddLines failed: ${JSON.stringify(res.body)}`);
          return res.data.cartAddLines.cart.id as string;
        },
        checkout(input = {}) {
          return gql(CHECKOUT, { input: { shippingAddressId: addressId, paymentToken: 'tok_visa', idempotencyKey: randomUUID(), ...input } });
        },
      };
    },
    async variant(price, stock, title = 'Checkout Tee') {
      const sku = unique('ORD').toUpperCase();
      const r = await admin(CREATE_PRODUCT, { input: { title, description: 'For checkout', variants: [{ sku, price, initialStock: stock }] } });
      const product = r.data?.createProduct?.product;
      if (!product) throw new Error(`createProduct failed: ${JSON.stringify(r.body)}`);
      return { id: product.variants[0].id, sku, productId: product.id };
    },
    available: async (sku) => (await inventory.models.Stock.findOne({ sku }).lean())?.available ?? 0,
    holds: async (sku) => (await inventory.models.Stock.findOne({ sku }).lean())?.holdIds ?? [],
    providerCharges: async (orderId) => {
      const provider = payments.payments.provider as unknown as { ledger: { Charge: { find(filter: object): { lean(): Promise<Array<{ status: string; amount: number }>> } } } };
      return provider.ledger.Charge.find({ orderId }).lean();
    },
    paymentsOf: async (orderId) => payments.models.Payment.find({ orderId }).sort({ createdAt: 1 }).lean() as never,
    stop: () => platform.stop(),
  };
}

/** Waits until `check` passes (it throws until then), or fails with its last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
