import { createIdentitySigner, createLogger, createServiceClient, createServiceSigner, importPrivateKey, type IdentitySigner, type Viewer } from '@shopcart/kit';
import { inject } from 'vitest';
import { postGraphQL, startPlatform, type Platform } from '@shopcart/testing';
import type { InventoryService } from '../src/server.js';

/** A platform with users (for admin and customer sign-in) and inventory, plus ways to call inventory directly. */
export interface InventoryPlatform {
  platform: Platform;
  service: InventoryService;
  url: string;
  /** Inventory as orders calls it: a service-signed identity. */
  call<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Calls inventory directly with a router-signed identity. */
  asViewer(viewer: Partial<Omit<Viewer, 'issuer'>>, query: string, variables?: Record<string, unknown>): ReturnType<typeof postGraphQL<any>>;
  router: IdentitySigner;
}

export async function startInventoryPlatform(env: Record<string, string> = {}): Promise<InventoryPlatform> {
  const platform = await startPlatform({ mongoUrl: inject('mongoUrl'), redisUrl: inject('redisUrl'), subgraphs: ['users', 'inventory'], env });
  const url = platform.subgraphUrls.inventory!;
  const signer = await createServiceSigner('orders', platform.keys.services.orders!.privateKey);
  // Generous: 100-line reservations on a busy test machine can take seconds on FerretDB.
  const client = createServiceClient({ callee: 'inventory', url, signer: signer!, logger: createLogger('test', 'silent'), timeoutMs: 30_000 });
  const router = createIdentitySigner('shopcart-router', await importPrivateKey(platform.keys.routerPrivate));
  return {
    platform,
    service: platform.services.inventory as InventoryService,
    url,
    router,
    call: (query, variables) => client.request(query, variables),
    asViewer: async (viewer, query, variables) =>
      postGraphQL<any>(url, query, variables, { token: await router.sign('inventory', { userId: null, role: 'ANONYMOUS', clientIp: null, ...viewer }) }),
  };
}

/** The GraphQL error code a service call failed with (the service client throws on errors). */
export { errorCode } from '@shopcart/testing';

export const RESERVE = `mutation Reserve($id: ID!, $lines: [StockLineInput!]!, $ttl: Int!) {
  reserveStock(reservationId: $id, lines: $lines, ttlSeconds: $ttl) { id status shortSkus expiresAt }
}`;
export const COMMIT = 'mutation Commit($id: ID!) { commitReservation(reservationId: $id) { id status shortSkus expiresAt } }';
export const RELEASE = 'mutation Release($id: ID!) { releaseReservation(reservationId: $id) { id status shortSkus expiresAt } }';
export const INITIALIZE = 'mutation Init($levels: [StockLevelInput!]!) { initializeStock(levels: $levels) }';
export const LEVELS = 'query Levels($skus: [String!]!) { stockLevels(skus: $skus) { sku available } }';

export interface ReservationResult {
  id: string;
  status: 'HELD' | 'COMMITTED' | 'RELEASED' | 'REJECTED' | 'RESTOCKED';
  shortSkus: string[];
  expiresAt: string | null;
}

/** Typed shortcuts for the internal operations, as a service calls them. */
export function inventoryOps(inv: InventoryPlatform) {
  const ops = {
    reserve: async (id: string, lines: Array<{ sku: string; quantity: number }>, ttl = 600) =>
      (await inv.call<{ reserveStock: ReservationResult }>(RESERVE, { id, lines, ttl })).reserveStock,
    commit: async (id: string) => (await inv.call<{ commitReservation: ReservationResult }>(COMMIT, { id })).commitReservation,
    release: async (id: string) => (await inv.call<{ releaseReservation: ReservationResult }>(RELEASE, { id })).releaseReservation,
    initialize: async (levels: Array<{ sku: string; available: number }>) => (await inv.call<{ initializeStock: boolean }>(INITIALIZE, { levels })).initializeStock,
    levels: async (...skus: string[]) => {
      const { stockLevels } = await inv.call<{ stockLevels: Array<{ sku: string; available: number }> }>(LEVELS, { skus });
      return Object.fromEntries(stockLevels.map((level) => [level.sku, level.available]));
    },
    /** Reservation ids holding units of a SKU, straight from the stock document. */
    holds: async (sku: string) => (await inv.service.models.Stock.findOne({ sku }).lean())?.holdIds ?? [],
    /** A SKU of this test's own, with that many units on sale. */
    stocked: async (name: string, available: number) => {
      const sku = uniqueSku(name);
      await ops.initialize([{ sku, available }]);
      return sku;
    },
  };
  return ops;
}

let counter = 0;
/** Unique per test, so tests in one file never share stock. */
export const uniqueSku = (name: string) => `${name}-${process.pid}-${++counter}`;
