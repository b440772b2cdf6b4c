import { decodeCursor, encodeCursor, pageSize } from '@shopcart/kit';
import { Types } from 'mongoose';
import type { OrderRecord, OrderStatus, OrdersModels } from './model.js';

/** A User as orders knows it: the id, for User.orders and Order.customer. */
export interface CustomerRef {
  id: string;
}

export interface OrderPage {
  edges: Array<{ cursor: string; node: OrderRecord }>;
  nodes: OrderRecord[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

interface Position {
  at: number;
  id: string;
}

const isPosition = (value: unknown): value is Position =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as Position).at) &&
  typeof (value as Position).id === 'string' &&
  Types.ObjectId.isValid((value as Position).id);

/**
 * Newest first, with keyset cursors on (placedAt, _id): orders placed while a
 * client pages never make a page skip or repeat an order.
 */
export async function listOrders(
  models: OrdersModels,
  filter: { customerId?: string; status?: OrderStatus | null },
  page: { first?: number | null; after?: string | null },
): Promise<OrderPage> {
  const first = pageSize(page.first);
  const base: Record<string, unknown> = {};
  if (filter.customerId) base.customerId = filter.customerId;
  if (filter.status) base.status = filter.status;
  const query: Record<string, unknown> = { ...base };
  if (page.after) {
    const after = decodeCursor(page.after, isPosition);
    const at = new Date(after.at);
    const id = new Types.ObjectId(after.id);
    query.$or = [{ placedAt: { $lt: at } }, { placedAt: at, _id: { $lt: id } }];
  }
  // Staff listing every order: MongoDB walks the (placedAt, _id) index, FerretDB v1
  // pushes neither a sort nor a range down and reads them all. A customer's own
  // history and a status filter are answered from their indexes on both.
  const options = Object.keys(base).length === 0 ? { comment: 'scan: staff list of every order, on FerretDB only (no sort pushdown)' } : {};
  const [docs, totalCount] = await Promise.all([
    first > 0 ? models.Order.find(query, null, options).sort({ placedAt: -1, _id: -1 }).limit(first + 1).lean<OrderRecord[]>() : Promise.resolve([]),
    models.Order.countDocuments(base, options),
  ]);
  const nodes = docs.slice(0, first);
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor({ at: node.placedAt.getTime(), id: String(node._id) }) }));
  return { edges, nodes, totalCount, pageInfo: { hasNextPage: docs.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
}
