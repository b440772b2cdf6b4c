import { findIn } from '@shopcart/kit';
import DataLoader from 'dataloader';
import { Types } from 'mongoose';
import type { OrderRecord, OrdersModels } from './model.js';

/** Fresh per request: nothing cached here outlives the request or crosses users. */
export function createLoaders(models: OrdersModels) {
  return {
    // Order entity references of one query-plan fetch in one find.
    orderById: new DataLoader<string, OrderRecord | null>(async (ids) => {
      const valid = ids.filter((id) => Types.ObjectId.isValid(id));
      const docs = await findIn<OrderRecord>(models.Order, '_id', valid.map((id) => new Types.ObjectId(id)));
      const byId = new Map(docs.map((doc) => [String(doc._id), doc]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type OrdersLoaders = ReturnType<typeof createLoaders>;
