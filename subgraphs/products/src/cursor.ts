import { createHash } from 'node:crypto';
import { badUserInput, decodeCursor, encodeCursor } from '@shopcart/kit';
import type { ProductSort } from './__generated__/resolvers-types.js';
import type { IndexedProduct } from './searchIndex.js';

/**
 * Keyset pagination over the in-memory index: a cursor holds the sort, a
 * fingerprint of the query and filter, and the last item's sort key and id.
 * The next page starts strictly after that position, so a product inserted
 * or changed between pages can neither repeat an item nor push one out.
 */

export type SortKey = number | string;
type EffectiveSort = Exclude<ProductSort, 'RELEVANCE'> | 'SCORE';

interface SortSpec {
  key(entry: IndexedProduct, score: number): SortKey;
  descending: boolean;
  keyType: 'number' | 'string';
}

const SORTS: Record<EffectiveSort, SortSpec> = {
  SCORE: { key: (_entry, score) => score, descending: true, keyType: 'number' },
  PRICE_ASC: { key: (entry) => entry.priceMin, descending: false, keyType: 'number' },
  PRICE_DESC: { key: (entry) => entry.priceMax, descending: true, keyType: 'number' },
  NEWEST: { key: (entry) => entry.createdAt, descending: true, keyType: 'number' },
  TITLE_ASC: { key: (entry) => entry.titleKey, descending: false, keyType: 'string' },
};

export interface Position {
  key: SortKey;
  id: string;
}

export interface ProductOrder {
  spec: SortSpec;
  /** Negative when a comes first; ties on the key fall back to the id, so the order is total. */
  compare(a: Position, b: Position): number;
}

/** RELEVANCE without query words is NEWEST. */
export function productOrder(sort: ProductSort, hasQuery: boolean): ProductOrder {
  const spec = SORTS[sort === 'RELEVANCE' ? (hasQuery ? 'SCORE' : 'NEWEST') : sort];
  const direction = spec.descending ? -1 : 1;
  return {
    spec,
    compare(a, b) {
      if (a.key !== b.key) return (a.key < b.key ? -1 : 1) * direction;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    },
  };
}

interface ProductCursor {
  v: 1;
  sort: ProductSort;
  /** Fingerprint of the query words and the effective filter. */
  search: string;
  key: SortKey;
  id: string;
}

export function searchFingerprint(terms: string[], filter: unknown): string {
  return createHash('sha256').update(JSON.stringify([terms, filter])).digest('base64url').slice(0, 16);
}

function isProductCursor(value: unknown): value is ProductCursor {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.v === 1 &&
    typeof c.sort === 'string' &&
    typeof c.search === 'string' &&
    typeof c.id === 'string' &&
    /^[0-9a-f]{24}$/.test(c.id) &&
    ((typeof c.key === 'number' && Number.isFinite(c.key)) || typeof c.key === 'string')
  );
}

export function encodeProductCursor(sort: ProductSort, fingerprint: string, position: Position): string {
  return encodeCursor({ v: 1, sort, search: fingerprint, key: position.key, id: position.id } satisfies ProductCursor);
}

/** The position to continue after; BAD_USER_INPUT when malformed or made for another sort, query or filter. */
export function decodeProductCursor(cursor: string, sort: ProductSort, fingerprint: string, order: ProductOrder): Position {
  const decoded = decodeCursor(cursor, isProductCursor);
  if (decoded.sort !== sort || decoded.search !== fingerprint) {
    throw badUserInput('This cursor belongs to another sort, query or filter', ['after']);
  }
  if (typeof decoded.key !== order.spec.keyType) throw badUserInput('Malformed cursor', ['after']);
  return { key: decoded.key, id: decoded.id };
}
