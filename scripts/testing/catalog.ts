import { createIdentitySigner, importPrivateKey, type IdentitySigner, type Viewer } from '@shopcart/kit';
import type { ProductsService } from '@shopcart/products';
import { inject } from 'vitest';
import { postGraphQL, startPlatform, type GqlResponse, type Platform } from './harness.js';

/**
 * A catalog behind the router, for every subgraph whose tests need products
 * to exist (products itself, cart, orders): the platform, callers in every
 * role, and creating products as admin.
 */

type Gql = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<GqlResponse<T>>;

/** A platform with users (sign-in), inventory and products, and callers in every role. */
export interface ProductsPlatform {
  platform: Platform;
  service: ProductsService;
  /** Through the router. */
  admin: Gql;
  customer: Gql;
  anonymous: Gql;
  /** Straight to the products subgraph with a router-signed identity. */
  direct(viewer: Partial<Omit<Viewer, 'issuer'>>, query: string, variables?: Record<string, unknown>): Promise<GqlResponse<any>>;
  router: IdentitySigner;
  adminId: string;
  customerId: string;
}

export async function startProductsPlatform(env: Record<string, string> = {}, subgraphs = ['users', 'inventory', 'products'], redisUrl = inject('redisUrl')): Promise<ProductsPlatform> {
  const platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl, subgraphs, env });
  const service = platform.services.products as ProductsService;
  await service.sync.loaded;
  const login = await platform.gql('mutation { login(input: { email: "admin@shopcart.dev", password: "shopcart-admin" }) { accessToken user { id } } }');
  const register = await platform.gql('mutation { register(input: { email: "shopper@example.com", password: "correct horse battery", name: "Shopper" }) { accessToken user { id } } }');
  const adminToken = login.data.login.accessToken as string;
  const customerToken = register.data.register.accessToken as string;
  const router = createIdentitySigner('shopcart-router', await importPrivateKey(platform.keys.routerPrivate));
  return {
    platform,
    service,
    router,
    adminId: login.data.login.user.id,
    customerId: register.data.register.user.id,
    admin: (query, variables) => platform.gql(query, variables, { token: adminToken }),
    customer: (query, variables) => platform.gql(query, variables, { token: customerToken }),
    anonymous: (query, variables) => platform.gql(query, variables),
    direct: async (viewer, query, variables) =>
      postGraphQL<any>(platform.subgraphUrls.products!, query, variables, {
        token: await router.sign('products', { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer }),
      }),
  };
}

export const PRODUCT_FIELDS = `id slug title description brand status createdAt
  category { id slug name }
  images { url altText }
  priceRange { min { amount currencyCode } max { amount currencyCode } }
  variants { id sku title options { name value } price { amount currencyCode } compareAtPrice { amount currencyCode } }`;

export const CREATE_PRODUCT = `mutation Create($input: ProductInput!) {
  createProduct(input: $input) { product { ${PRODUCT_FIELDS} } userErrors { code field message } }
}`;
export const ARCHIVE_PRODUCT = `mutation Archive($id: ID!) {
  archiveProduct(id: $id) { product { id status } userErrors { code field message } }
}`;

let skuCounter = 0;

/** A valid ProductInput; `variants` entries override the defaults one by one. */
export function productInput(overrides: Record<string, unknown> = {}, variants: Array<Record<string, unknown>> = [{}]): Record<string, unknown> {
  return {
    title: 'Plain Widget',
    description: 'A thing',
    variants: variants.map((v) => ({ sku: `SKU-${process.pid}-${++skuCounter}`, price: '10.00', ...v })),
    ...overrides,
  };
}

/** Creates a product as admin and fails loudly on userErrors. */
export async function createProduct(p: ProductsPlatform, overrides: Record<string, unknown> = {}, variants: Array<Record<string, unknown>> = [{}]): Promise<any> {
  const r = await p.admin(CREATE_PRODUCT, { input: productInput(overrides, variants) });
  if (r.errors || r.data.createProduct.userErrors.length) throw new Error(`createProduct failed: ${JSON.stringify(r.errors ?? r.data.createProduct.userErrors)}`);
  return r.data.createProduct.product;
}
