import { SignJWT, importPKCS8 } from 'jose';
import { ROUTER_ISSUER, createIdentitySigner, importPrivateKey } from '@shopcart/kit';
import type { BenchStack } from './benchStack.js';
import type { Gateway, GatewayKind } from './gateways.js';
import type { LoadOptions } from './k6.js';
import type { CompareOptions, Target, TargetRuns } from './measure.js';

/** What every scenario gets, and what it reports. */
export interface BenchContext {
  stack: BenchStack;
  gateways: Partial<Record<GatewayKind, Gateway>>;
  compare: Omit<CompareOptions, 'load'>;
  vus: number;
  durationSeconds: number;
  cartRate: number;
  fixtures: Fixtures;
  log: (line: string) => void;
}

export interface Fixtures {
  categories: string[];
  productIds: string[];
  variantIds: string[];
  skus: string[];
  /** Variants with stock to spare: a cart line for one of them is accepted. */
  stockedVariantIds: string[];
}

export interface ScenarioResult {
  title: string;
  available: boolean;
  note?: string;
  targets?: Record<string, TargetRuns>;
  figures: Record<string, number | string | boolean | Record<string, number>>;
  /** Each target of the specification: its figure, the bound, and whether it is met. */
  checks: Array<{ what: string; value: number; bound: string; met: boolean }>;
  failed: boolean;
}

/**
 * One control request (fixtures, writes, checks). Right after a load run a
 * subgraph's breaker may still be open, so an unavailable answer is retried
 * for a while before it counts as a failure.
 */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    const parsed = (await response.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string } }> };
    if (response.ok && !parsed.errors && parsed.data) return parsed.data;
    const unavailable = parsed.errors?.some((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
    if (!unavailable || attempt >= 60) throw new Error(`${response.status} ${JSON.stringify(parsed.errors ?? parsed).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** An access token as users issues them, minted with the stack's own key. */
export async function accessToken(stack: BenchStack, userId: string, role: 'ADMIN' | 'CUSTOMER'): Promise<string> {
  const key = await importPKCS8(stack.keys.accessPrivate, 'EdDSA');
  return new SignJWT({ role }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer('shopcart-users').setAudience('shopcart').setSubject(userId).setIssuedAt().setExpirationTime('2h').sign(key);
}

/** Headers for calling a subgraph directly: an anonymous identity token for it, fresh for each run. */
export async function directHeaders(stack: BenchStack, subgraph: string): Promise<Record<string, string>> {
  const signer = createIdentitySigner(ROUTER_ISSUER, await importPrivateKey(stack.keys.routerPrivate));
  return { authorization: `Bearer ${await signer.sign(subgraph, { userId: null, role: 'ANONYMOUS', clientIp: null })}` };
}

export async function loadFixtures(routerUrl: string): Promise<Fixtures> {
  type Variant = { id: string; sku: string; inventory: { available: number } | null };
  const data = await gql<{ categories: Array<{ slug: string; children: Array<{ slug: string }> }>; products: { nodes: Array<{ id: string; variants: Variant[] }> } }>(
    routerUrl,
    '{ categories { slug children { slug } } products(first: 100, sort: NEWEST) { nodes { id variants { id sku inventory { available } } } } }',
  );
  const variants = data.products.nodes.flatMap((p) => p.variants);
  return {
    categories: data.categories.flatMap((c) => [c.slug, ...c.children.map((child) => child.slug)]),
    productIds: data.products.nodes.map((p) => p.id),
    variantIds: variants.map((v) => v.id),
    skus: variants.map((v) => v.sku),
    // Each cart line asks for up to 3 of a variant.
    stockedVariantIds: variants.filter((v) => (v.inventory?.available ?? 0) >= 3).map((v) => v.id),
  };
}

export function gatewayTargets(ctx: BenchContext): Target[] {
  return (Object.values(ctx.gateways) as Gateway[]).map((g) => ({ name: g.kind, url: g.url, pid: g.child.pid }));
}

export const closed = (ctx: BenchContext, bodies: LoadOptions['bodies']): CompareOptions['load'] => ({ mode: 'closed', vus: ctx.vus, durationSeconds: ctx.durationSeconds, bodies });
export const failed = (targets: Record<string, TargetRuns>) => Object.values(targets).some((t) => !t.ok);
